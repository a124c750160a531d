package org.parley.verticles.k8s;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.parley.core.ParleyException;
import org.parley.core.bus.Addresses.Concern;
import org.parley.verticles.config.ConfigKey;
import org.parley.verticles.config.ConfigLoader;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.config.NodeSchema;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Offline checks of Kubernetes manifests: strict typed parsing with fabric8 (unknown or misspelled fields,
 * wrong types, unknown kinds) and cross-references a cluster would only reveal at run time (selectors, names,
 * ports, probes, config keys, the node configuration each container would actually load).
 */
final class ManifestChecks {
    static final KubernetesSerialization SER = new KubernetesSerialization();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Secrets created out of band (k8s/README.md says how); everything else must be in the render. */
    static final Set<String> EXTERNAL_SECRETS = Set.of("parley-node-identity");
    /** Non-config PARLEY_ variables the node reads. */
    static final Set<String> OTHER_ENV = Set.of("PARLEY_STORE_PASSPHRASE");
    static final String POD_IP = "10.1.2.3";
    static final int RUN_AS_USER = 10001;

    private ManifestChecks() {}

    /** Parses one document strictly; problems go to {@code out}, the typed object (or null) is returned. */
    static HasMetadata strict(Map<String, Object> doc, String where, List<String> out) {
        Object parsed;
        try {
            parsed = SER.unmarshal(JSON.writeValueAsString(doc));
        } catch (Exception e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) root = root.getCause();   // fabric8 wraps Jackson's message
            out.add(where + ": " + doc.get("kind") + "/" + Kustomize.name(doc) + ": does not parse: " + String.valueOf(root.getMessage()).split("\n")[0]);
            return null;
        }
        if (!(parsed instanceof HasMetadata h) || parsed.getClass().getSimpleName().equals("GenericKubernetesResource")) {
            out.add(where + ": unknown kind " + doc.get("apiVersion") + "/" + doc.get("kind"));
            return null;
        }
        walk(h, where + ": " + h.getKind() + "/" + h.getMetadata().getName(), out, Collections.newSetFromMap(new IdentityHashMap<>()));
        return h;
    }

    private static void walk(Object o, String path, List<String> out, Set<Object> seen) {
        if (o == null || !seen.add(o)) return;
        if (o instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) walk(l.get(i), path + "[" + i + "]", out, seen);
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) walk(e.getValue(), path + "[" + e.getKey() + "]", out, seen);
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) return;
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || !m.getName().startsWith("get") || m.getName().equals("getClass")) continue;
            try {
                Object v = m.invoke(o);
                if (m.getName().equals("getAdditionalProperties")) {
                    if (v instanceof Map<?, ?> mp && !mp.isEmpty()) out.add(path + ": unknown/mistyped field(s) " + mp);
                } else {
                    walk(v, path + "." + Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4), out, seen);
                }
            } catch (ReflectiveOperationException ignored) {
                // a getter that cannot run on a partial object (patch) holds no unknown field
            }
        }
    }

    /** A pod-owning workload, flattened. */
    record Workload(HasMetadata owner, LabelSelector selector, PodTemplateSpec template, int replicas) {
        String id() {
            return owner.getKind() + "/" + owner.getMetadata().getName();
        }

        Map<String, String> podLabels() {
            return Optional.ofNullable(template.getMetadata()).map(m -> m.getLabels()).orElse(Map.of());
        }
    }

    static List<Workload> workloads(List<HasMetadata> objs) {
        List<Workload> out = new ArrayList<>();
        for (HasMetadata o : objs) {
            if (o instanceof StatefulSet s) out.add(new Workload(s, s.getSpec().getSelector(), s.getSpec().getTemplate(), Objects.requireNonNullElse(s.getSpec().getReplicas(), 1)));
            if (o instanceof Deployment d) out.add(new Workload(d, d.getSpec().getSelector(), d.getSpec().getTemplate(), Objects.requireNonNullElse(d.getSpec().getReplicas(), 1)));
        }
        return out;
    }

    static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        return selector != null && !selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet());
    }

    static boolean selects(LabelSelector sel, Map<String, String> labels) {
        if (sel == null) return false;
        if (sel.getMatchExpressions() != null && !sel.getMatchExpressions().isEmpty()) return false;   // not used here: flag it
        return selects(sel.getMatchLabels(), labels);
    }

    /**
     * Cross-reference checks over one rendered overlay. {@code otherServices} holds "namespace/name" of the
     * services of every render (a DNS seed may point into another overlay's namespace).
     */
    static List<String> crossCheck(String render, List<HasMetadata> objs, Set<String> otherServices) {
        List<String> out = new ArrayList<>();
        List<Workload> wls = workloads(objs);
        Map<String, Service> services = new LinkedHashMap<>();
        Map<String, ConfigMap> configMaps = new HashMap<>();
        Set<String> pvcs = new java.util.HashSet<>();
        for (HasMetadata o : objs) {
            if (o instanceof Service s) services.put(s.getMetadata().getName(), s);
            if (o instanceof ConfigMap c) configMaps.put(c.getMetadata().getName(), c);
            if (o instanceof PersistentVolumeClaim p) pvcs.add(p.getMetadata().getName());
        }
        if (wls.isEmpty()) out.add(render + ": no workload");
        for (Workload w : wls) {
            if (!selects(w.selector(), w.podLabels())) out.add(render + ": " + w.id() + ": selector " + w.selector().getMatchLabels() + " does not match its pod labels " + w.podLabels());
        }
        for (Service s : services.values()) {
            String id = render + ": Service/" + s.getMetadata().getName();
            List<Workload> hit = wls.stream().filter(w -> selects(s.getSpec().getSelector(), w.podLabels())).toList();
            if (hit.isEmpty()) {
                out.add(id + ": selector " + s.getSpec().getSelector() + " matches no pod template");
                continue;
            }
            for (ServicePort p : s.getSpec().getPorts()) {
                for (Workload w : hit) {
                    if (!portExists(w, p.getTargetPort() == null ? new IntOrString(p.getPort()) : p.getTargetPort())) {
                        out.add(id + ": targetPort " + (p.getTargetPort() == null ? p.getPort() : p.getTargetPort().getValue()) + " is not a container port of " + w.id());
                    }
                }
            }
        }
        for (HasMetadata o : objs) {
            if (o instanceof StatefulSet st) {
                Service gov = services.get(st.getSpec().getServiceName());
                if (gov == null) out.add(render + ": StatefulSet/" + st.getMetadata().getName() + ": serviceName " + st.getSpec().getServiceName() + " is not a Service here");
                else if (!"None".equals(gov.getSpec().getClusterIP())) out.add(render + ": StatefulSet/" + st.getMetadata().getName() + ": governing Service " + gov.getMetadata().getName() + " is not headless");
                else if (!selects(gov.getSpec().getSelector(), st.getSpec().getTemplate().getMetadata().getLabels())) out.add(render + ": StatefulSet/" + st.getMetadata().getName() + ": governing Service does not select its pods");
            }
            if (o instanceof PodDisruptionBudget pdb && wls.stream().noneMatch(w -> selects(pdb.getSpec().getSelector(), w.podLabels()))) {
                out.add(render + ": PodDisruptionBudget/" + pdb.getMetadata().getName() + ": selector matches no pod template");
            }
            if (o instanceof NetworkPolicy np) {
                List<Workload> hit = wls.stream().filter(w -> selects(np.getSpec().getPodSelector(), w.podLabels())).toList();
                if (hit.isEmpty()) out.add(render + ": NetworkPolicy/" + np.getMetadata().getName() + ": podSelector matches no pod template");
                for (NetworkPolicyIngressRule r : Optional.ofNullable(np.getSpec().getIngress()).orElse(List.of())) {
                    for (NetworkPolicyPort p : Optional.ofNullable(r.getPorts()).orElse(List.of())) {
                        for (Workload w : hit) {
                            if (!portExists(w, p.getPort())) out.add(render + ": NetworkPolicy/" + np.getMetadata().getName() + ": port " + p.getPort().getValue() + " is not a container port of " + w.id());
                        }
                    }
                }
            }
        }
        EnumSet<Concern> clusteredConcerns = EnumSet.noneOf(Concern.class);
        for (Workload w : wls) {
            for (Container c : w.template().getSpec().getContainers()) {
                checkContainer(render + ": " + w.id() + "/" + c.getName(), w, c, services, configMaps, pvcs, otherServices, out)
                        .filter(NodeConfig::clusterEnabled).ifPresent(cfg -> {
                            clusteredConcerns.addAll(cfg.only());
                            if (cfg.only().contains(Concern.STORAGE)) {
                                if (w.replicas() != 1) out.add(render + ": " + w.id() + ": the storage member must run exactly one replica (RocksDB lock, ReadWriteOnce volume)");
                                if (w.owner() instanceof Deployment d && (d.getSpec().getStrategy() == null || !"Recreate".equals(d.getSpec().getStrategy().getType()))) {
                                    out.add(render + ": " + w.id() + ": the storage member needs strategy Recreate (a rolling update would start a second RocksDB on the volume)");
                                }
                            }
                        });
            }
        }
        if (!clusteredConcerns.isEmpty() && !clusteredConcerns.equals(EnumSet.allOf(Concern.class))) {
            out.add(render + ": clustered members run " + clusteredConcerns + ", not all five verticles");
        }
        return out;
    }

    private static boolean portExists(Workload w, IntOrString port) {
        if (port == null) return true;
        for (Container c : w.template().getSpec().getContainers()) {
            for (ContainerPort cp : Optional.ofNullable(c.getPorts()).orElse(List.of())) {
                if (port.getStrVal() != null ? port.getStrVal().equals(cp.getName()) : Objects.equals(port.getIntVal(), cp.getContainerPort())) return true;
            }
        }
        return false;
    }

    private static Integer resolvePort(Container c, IntOrString port) {
        if (port == null) return null;
        if (port.getIntVal() != null) return port.getIntVal();
        for (ContainerPort cp : Optional.ofNullable(c.getPorts()).orElse(List.of())) {
            if (port.getStrVal().equals(cp.getName())) return cp.getContainerPort();
        }
        return null;
    }

    private static Integer namedPort(Container c, String name) {
        return Optional.ofNullable(c.getPorts()).orElse(List.of()).stream().filter(p -> name.equals(p.getName()))
                .map(ContainerPort::getContainerPort).findFirst().orElse(null);
    }

    /** Checks one container; returns the node configuration it would load, if it loads. */
    private static Optional<NodeConfig> checkContainer(String id, Workload w, Container c, Map<String, Service> services,
                                                       Map<String, ConfigMap> configMaps, Set<String> pvcs, Set<String> otherServices, List<String> out) {
        var podSpec = w.template().getSpec();
        Map<String, Volume> volumes = new HashMap<>();
        for (Volume v : Optional.ofNullable(podSpec.getVolumes()).orElse(List.of())) volumes.put(v.getName(), v);
        Set<String> claimTemplates = w.owner() instanceof StatefulSet st
                ? Optional.ofNullable(st.getSpec().getVolumeClaimTemplates()).orElse(List.of()).stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet())
                : Set.of();
        // volumes and what they reference
        for (Volume v : volumes.values()) {
            if (v.getConfigMap() != null) {
                ConfigMap cm = configMaps.get(v.getConfigMap().getName());
                if (cm == null) out.add(id + ": volume " + v.getName() + " references ConfigMap " + v.getConfigMap().getName() + ", not in the render");
                else for (var item : Optional.ofNullable(v.getConfigMap().getItems()).orElse(List.of())) {
                    if (cm.getData() == null || !cm.getData().containsKey(item.getKey())) out.add(id + ": volume " + v.getName() + " references key " + item.getKey() + " missing from ConfigMap " + cm.getMetadata().getName());
                }
            }
            if (v.getSecret() != null && !EXTERNAL_SECRETS.contains(v.getSecret().getSecretName())) out.add(id + ": volume " + v.getName() + " references unknown Secret " + v.getSecret().getSecretName());
            if (v.getPersistentVolumeClaim() != null && !pvcs.contains(v.getPersistentVolumeClaim().getClaimName())) out.add(id + ": volume " + v.getName() + " references PVC " + v.getPersistentVolumeClaim().getClaimName() + ", not in the render");
        }
        Map<String, String> mounts = new LinkedHashMap<>();   // mountPath -> volume name
        for (VolumeMount m : Optional.ofNullable(c.getVolumeMounts()).orElse(List.of())) {
            if (!volumes.containsKey(m.getName()) && !claimTemplates.contains(m.getName())) out.add(id + ": volumeMount " + m.getMountPath() + " names unknown volume " + m.getName());
            if (m.getSubPath() == null) mounts.put(m.getMountPath(), m.getName());
        }
        // hardening
        PodSecurityContext psc = Optional.ofNullable(podSpec.getSecurityContext()).orElse(new PodSecurityContext());
        SecurityContext sc = Optional.ofNullable(c.getSecurityContext()).orElse(new SecurityContext());
        if (!Boolean.TRUE.equals(Optional.ofNullable(sc.getRunAsNonRoot()).orElse(psc.getRunAsNonRoot()))) out.add(id + ": runAsNonRoot is not true");
        Long uid = Optional.ofNullable(sc.getRunAsUser()).orElse(psc.getRunAsUser());
        if (uid == null || uid != RUN_AS_USER) out.add(id + ": runAsUser is " + uid + ", the image's user is " + RUN_AS_USER);
        if (!Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem())) out.add(id + ": readOnlyRootFilesystem is not true");
        if (!Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) out.add(id + ": allowPrivilegeEscalation is not false");
        if (sc.getCapabilities() == null || sc.getCapabilities().getDrop() == null || !sc.getCapabilities().getDrop().contains("ALL")) out.add(id + ": capabilities do not drop ALL");
        String tmpVol = mounts.get("/tmp");
        if (tmpVol == null || volumes.get(tmpVol) == null || volumes.get(tmpVol).getEmptyDir() == null) out.add(id + ": /tmp is not an emptyDir (the root filesystem is read-only)");
        var res = c.getResources();
        for (String kind : List.of("cpu", "memory")) {
            if (res == null || res.getRequests() == null || !res.getRequests().containsKey(kind)) out.add(id + ": no " + kind + " request");
            if (res == null || res.getLimits() == null || !res.getLimits().containsKey(kind)) out.add(id + ": no " + kind + " limit");
        }
        // environment
        Map<String, String> env = new LinkedHashMap<>();
        Set<String> fromPodIp = new java.util.HashSet<>();
        Set<String> known = NodeSchema.KEYS.stream().map(ConfigKey::envName).collect(Collectors.toSet());
        for (EnvVar e : Optional.ofNullable(c.getEnv()).orElse(List.of())) {
            if (e.getName().startsWith("PARLEY_") && !known.contains(e.getName()) && !OTHER_ENV.contains(e.getName())) {
                out.add(id + ": env " + e.getName() + " is no configuration key (the node would ignore it)");
            }
            if (e.getValueFrom() == null) {
                env.put(e.getName(), e.getValue());
            } else if (e.getValueFrom().getFieldRef() != null && "status.podIP".equals(e.getValueFrom().getFieldRef().getFieldPath())) {
                env.put(e.getName(), POD_IP);
                fromPodIp.add(e.getName());
            } else if (e.getValueFrom().getConfigMapKeyRef() != null) {
                var ref = e.getValueFrom().getConfigMapKeyRef();
                ConfigMap cm = configMaps.get(ref.getName());
                if (cm == null || cm.getData() == null || !cm.getData().containsKey(ref.getKey())) out.add(id + ": env " + e.getName() + " references missing ConfigMap key " + ref.getName() + "/" + ref.getKey());
                else env.put(e.getName(), cm.getData().get(ref.getKey()));
            } else {
                out.add(id + ": env " + e.getName() + " has a valueFrom this check does not know");
            }
        }
        // the configuration the node would load: args, config file from its ConfigMap, env
        List<String> args = Optional.ofNullable(c.getArgs()).orElse(List.of());
        if (args.isEmpty() || !args.get(0).equals("node")) {
            out.add(id + ": args do not start with the node command: " + args);
            return Optional.empty();
        }
        Map<String, Object> flags = new LinkedHashMap<>();
        Path configFile = null;
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            String next = i + 1 < args.size() ? args.get(i + 1) : null;
            switch (a) {
                case "--cluster" -> flags.put("cluster.enabled", true);
                case "--config" -> { configFile = configFromMount(id, next, mounts, volumes, configMaps, out); i++; }
                case "--only" -> { flags.put("cluster.only", next); i++; }
                case "--data-dir" -> { flags.put("data-dir", next); i++; }
                case "--gateway-port" -> { flags.put("gateway.port", next); i++; }
                case "--peer-port" -> { flags.put("peer.port", next); i++; }
                case "--cluster-port" -> { flags.put("cluster.port", next); i++; }
                case "--cluster-members" -> { flags.put("cluster.members", next); i++; }
                case "--bootstrap" -> { flags.put("discovery.bootstrap", next); i++; }
                default -> out.add(id + ": unknown node flag " + a);
            }
        }
        NodeConfig cfg;
        try {
            cfg = ConfigLoader.load(configFile, env, flags);
        } catch (ParleyException | IllegalArgumentException e) {
            out.add(id + ": the node would not start: " + e.getMessage());
            return Optional.empty();
        } finally {
            if (configFile != null) {
                try {
                    Files.deleteIfExists(configFile);
                } catch (IOException ignored) {
                    // temp file
                }
            }
        }
        String dataVol = mounts.get(cfg.dataDir().toString());
        Volume dv = dataVol == null ? null : volumes.get(dataVol);
        boolean writable = dataVol != null && (claimTemplates.contains(dataVol) || (dv != null && (dv.getEmptyDir() != null || dv.getPersistentVolumeClaim() != null)));
        if (!writable) out.add(id + ": data-dir " + cfg.dataDir() + " is not a mounted PVC or emptyDir (the root filesystem is read-only)");
        Map<String, String> ann = Optional.ofNullable(w.template().getMetadata().getAnnotations()).orElse(Map.of());
        if (cfg.only().contains(Concern.GATEWAY)) {
            Integer gw = namedPort(c, "gateway");
            if (gw == null || gw != cfg.gatewayPort()) out.add(id + ": container port 'gateway' is " + gw + " but the node binds gateway.port " + cfg.gatewayPort());
            if (cfg.gatewayHost().startsWith("127.") || cfg.gatewayHost().equals("localhost")) out.add(id + ": gateway.host " + cfg.gatewayHost() + " is loopback: probes and Prometheus cannot reach it");
            httpProbe(id, "readinessProbe", c.getReadinessProbe(), "/ready", c, cfg.gatewayPort(), out);
            httpProbe(id, "livenessProbe", c.getLivenessProbe(), "/health", c, cfg.gatewayPort(), out);
            if (c.getStartupProbe() != null) httpProbe(id, "startupProbe", c.getStartupProbe(), "/health", c, cfg.gatewayPort(), out);
            if (!"true".equals(ann.get("prometheus.io/scrape"))) out.add(id + ": no prometheus.io/scrape: \"true\" annotation");
            if (!String.valueOf(cfg.gatewayPort()).equals(ann.get("prometheus.io/port"))) out.add(id + ": prometheus.io/port " + ann.get("prometheus.io/port") + " is not gateway.port " + cfg.gatewayPort());
            if (!"/metrics".equals(ann.get("prometheus.io/path"))) out.add(id + ": prometheus.io/path is not /metrics");
        } else {
            if (namedPort(c, "gateway") != null) out.add(id + ": exposes a gateway port but does not run the gateway verticle");
            if (ann.containsKey("prometheus.io/scrape")) out.add(id + ": scrape annotation on a member without the gateway (no /metrics here)");
            for (Probe p : java.util.Arrays.asList(c.getReadinessProbe(), c.getLivenessProbe())) {
                if (p == null) out.add(id + ": missing readiness or liveness probe");
                else if (p.getHttpGet() != null) out.add(id + ": HTTP probe on a member without the gateway verticle (nothing serves HTTP)");
                else if (p.getTcpSocket() != null && !Objects.equals(resolvePort(c, p.getTcpSocket().getPort()), cfg.clusterEnabled() ? cfg.clusterPort() : -1)) {
                    out.add(id + ": tcpSocket probe is not on the cluster port " + cfg.clusterPort());
                }
            }
        }
        if (cfg.only().contains(Concern.ROUTING)) {
            Integer peer = namedPort(c, "peer");
            if (peer == null || peer != cfg.peerPort()) out.add(id + ": container port 'peer' is " + peer + " but the node binds peer.port " + cfg.peerPort());
            if (!fromPodIp.contains("PARLEY_PEER_HOST")) out.add(id + ": peer.host is not the pod IP (status.podIP): the relay descriptor would advertise " + cfg.peerHost());
        } else if (namedPort(c, "peer") != null) {
            out.add(id + ": exposes a peer port but does not run the routing verticle");
        }
        if (cfg.only().contains(Concern.DISCOVERY) && !cfg.discoveryDnsSeed().isEmpty()) {
            String seed = cfg.discoveryDnsSeed();
            String host = seed.contains(":") ? seed.substring(0, seed.indexOf(':')) : seed;
            int port = seed.contains(":") ? Integer.parseInt(seed.substring(seed.indexOf(':') + 1)) : cfg.peerPort();
            String[] parts = host.split("\\.");
            Service s = parts.length == 1 ? services.get(host) : null;
            if (parts.length == 1) {
                if (s == null) out.add(id + ": discovery.dns-seed " + host + " is not a Service in the render");
                else if (!"None".equals(s.getSpec().getClusterIP())) out.add(id + ": discovery.dns-seed " + host + " is not headless (one IP instead of every seed)");
                else if (s.getSpec().getPorts().stream().noneMatch(p -> p.getPort() == port)) out.add(id + ": discovery.dns-seed Service " + host + " has no port " + port);
            } else if (!otherServices.contains(parts[1] + "/" + parts[0])) {
                out.add(id + ": discovery.dns-seed " + host + " names Service " + parts[0] + " in namespace " + parts[1] + ", which no overlay renders");
            }
        }
        if (cfg.clusterEnabled()) {
            Integer cp = namedPort(c, "cluster");
            if (cp == null || cp != cfg.clusterPort()) out.add(id + ": container port 'cluster' is " + cp + " but Hazelcast binds cluster.port " + cfg.clusterPort());
            if (!fromPodIp.contains("PARLEY_CLUSTER_HOST")) out.add(id + ": cluster.host is not the pod IP (status.podIP): Hazelcast binds " + cfg.clusterHost());
            if (cfg.clusterMembers().isEmpty()) out.add(id + ": clustered member without cluster.members: it cannot find the others");
            for (String m : cfg.clusterMembers()) {
                String host = m.contains(":") ? m.substring(0, m.indexOf(':')) : m;
                int port = m.contains(":") ? Integer.parseInt(m.substring(m.indexOf(':') + 1)) : cfg.clusterPort();
                Service s = services.get(host.split("\\.")[0]);
                if (s == null) out.add(id + ": cluster member " + m + " is not a Service in the render");
                else {
                    if (!"None".equals(s.getSpec().getClusterIP())) out.add(id + ": cluster member Service " + host + " is not headless");
                    if (!Boolean.TRUE.equals(s.getSpec().getPublishNotReadyAddresses())) out.add(id + ": cluster member Service " + host + " hides not-ready members (they must join before any is ready)");
                    if (!selects(s.getSpec().getSelector(), w.podLabels())) out.add(id + ": cluster member Service " + host + " does not select this member");
                    if (s.getSpec().getPorts().stream().noneMatch(p -> p.getPort() == port)) out.add(id + ": cluster member Service " + host + " has no port " + port);
                }
            }
        }
        return Optional.of(cfg);
    }

    private static Path configFromMount(String id, String file, Map<String, String> mounts, Map<String, Volume> volumes,
                                        Map<String, ConfigMap> configMaps, List<String> out) {
        Path f = Path.of(file);
        String vol = mounts.get(f.getParent().toString());
        Volume v = vol == null ? null : volumes.get(vol);
        if (v == null || v.getConfigMap() == null) {
            out.add(id + ": --config " + file + " is not in a mounted ConfigMap");
            return null;
        }
        String key = f.getFileName().toString();
        for (var item : Optional.ofNullable(v.getConfigMap().getItems()).orElse(List.of())) {
            if (item.getPath().equals(key)) key = item.getKey();
        }
        ConfigMap cm = configMaps.get(v.getConfigMap().getName());
        if (cm == null || cm.getData() == null || !cm.getData().containsKey(key)) {
            out.add(id + ": --config " + file + " has no key " + key + " in its ConfigMap");
            return null;
        }
        try {
            Path tmp = Files.createTempFile("parley-k8s-", ".yaml");
            Files.writeString(tmp, cm.getData().get(key));
            return tmp;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void httpProbe(String id, String which, Probe p, String path, Container c, int port, List<String> out) {
        if (p == null) {
            out.add(id + ": no " + which);
            return;
        }
        HTTPGetAction g = p.getHttpGet();
        if (g == null) {
            out.add(id + ": " + which + " is not an HTTP GET on " + path);
            return;
        }
        if (!path.equals(g.getPath())) out.add(id + ": " + which + " path is " + g.getPath() + ", expected " + path);
        Integer resolved = resolvePort(c, g.getPort());
        if (resolved == null || resolved != port) out.add(id + ": " + which + " port " + (g.getPort() == null ? null : g.getPort().getValue()) + " is not the gateway port " + port);
    }
}
