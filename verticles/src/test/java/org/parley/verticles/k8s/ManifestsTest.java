package org.parley.verticles.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import org.junit.jupiter.api.Test;
import org.parley.core.bus.Addresses.Concern;
import org.parley.verticles.config.NodeSchema;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Offline validation of k8s/ (the test's working directory is verticles/, so the repository root is ..). */
class ManifestsTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path K8S = ROOT.resolve("k8s");
    static final Path BROKEN = Path.of("src/test/resources/k8s-broken").toAbsolutePath();
    static final List<String> OVERLAYS = List.of("base", "overlays/testnet-small", "overlays/testnet-large", "overlays/clustered-node");
    /** Dashboard series the node does not emit yet (listed in k8s/README.md). */
    static final Set<String> PENDING_METRICS = Set.of();

    /** Renders a kustomization and runs every check on its sources and on the result. */
    static List<String> problems(Path dir, Set<String> allServices) {
        Kustomize.Result r = Kustomize.render(dir);
        List<String> out = new ArrayList<>(r.problems());
        for (Kustomize.Source s : r.sources()) {
            for (Map<String, Object> d : s.docs()) ManifestChecks.strict(d, ROOT.relativize(s.file()).toString(), out);
        }
        out.addAll(checkObjects(ROOT.relativize(dir).toString(), r.objects(), allServices));
        return out;
    }

    static List<String> checkObjects(String render, List<Map<String, Object>> docs, Set<String> allServices) {
        List<String> out = new ArrayList<>();
        List<HasMetadata> objs = new ArrayList<>();
        for (Map<String, Object> d : docs) {
            HasMetadata h = ManifestChecks.strict(d, render + " (rendered)", out);
            if (h != null) objs.add(h);
        }
        out.addAll(ManifestChecks.crossCheck(render, objs, allServices));
        return out;
    }

    static Set<String> allServices() {
        Set<String> s = new HashSet<>();
        for (String o : OVERLAYS) {
            for (Map<String, Object> d : Kustomize.render(K8S.resolve(o)).objects()) {
                if ("Service".equals(d.get("kind"))) s.add(Kustomize.meta(d).get("namespace") + "/" + Kustomize.name(d));
            }
        }
        return s;
    }

    static List<HasMetadata> typed(String overlay) {
        List<HasMetadata> out = new ArrayList<>();
        for (Map<String, Object> d : Kustomize.render(K8S.resolve(overlay)).objects()) out.add(ManifestChecks.strict(d, overlay, new ArrayList<>()));
        return out;
    }

    @Test
    void everyOverlayParsesStrictlyAndItsReferencesHold() {
        Set<String> services = allServices();
        for (String o : OVERLAYS) {
            assertThat(problems(K8S.resolve(o), services)).as(o).isEmpty();
        }
    }

    @Test
    void overlaysSizeTheTestnets() {
        Map<String, Integer> replicas = new LinkedHashMap<>();
        for (String o : List.of("overlays/testnet-small", "overlays/testnet-large")) {
            for (HasMetadata h : typed(o)) if (h instanceof StatefulSet s) replicas.put(o, s.getSpec().getReplicas());
        }
        assertThat(replicas).containsEntry("overlays/testnet-small", 5).containsEntry("overlays/testnet-large", 100);
        List<HasMetadata> clustered = typed("overlays/clustered-node");
        assertThat(clustered.stream().filter(h -> h.getKind().equals("Deployment")).map(h -> h.getMetadata().getName()).collect(Collectors.toSet()))
                .containsExactlyInAnyOrderElementsOf(Stream.of(Concern.values()).map(c -> "parley-node-" + c.id()).toList());
        assertThat(clustered).noneMatch(h -> h instanceof StatefulSet);
    }

    @Test
    void nodeYamlCopiesMatchConfDefaultsExceptDeliberateOverrides() throws IOException {
        Map<String, Object> conf = flatten(Kustomize.readDocs(ROOT.resolve("conf/node.yaml")).get(0));
        Map<String, Object> base = flatten(Kustomize.readDocs(K8S.resolve("base/node.yaml")).get(0));
        // conf/node.yaml against NodeSchema is the config module's own test; here: the copies against conf/node.yaml
        assertThat(base.keySet()).isEqualTo(conf.keySet());
        Map<String, Object> overrides = Map.of("data-dir", "/var/lib/parley", "gateway.host", "0.0.0.0");
        for (String k : conf.keySet()) {
            assertThat(base.get(k)).as(k).isEqualTo(overrides.getOrDefault(k, conf.get(k)));
        }
        assertThat(Files.readString(K8S.resolve("overlays/clustered-node/node.yaml"))).isEqualTo(Files.readString(K8S.resolve("base/node.yaml")));
    }

    @Test
    void dashboardQueriesOnlyMetricsTheNodeEmits() throws IOException {
        Set<String> emitted = emittedMetricNames();
        assertThat(emitted).contains("parley_routing_send_seconds_bucket", "parley_storage_writes_total");
        JsonNode dash = new ObjectMapper().readTree(K8S.resolve("dashboards/parley.json").toFile());
        assertThat(dash.path("title").asText()).isNotEmpty();
        Set<String> used = new TreeSet<>();
        int panels = 0;
        for (JsonNode p : dash.path("panels")) {
            if (p.path("type").asText().equals("row")) continue;
            panels++;
            assertThat(p.path("targets").size()).as(p.path("title").asText()).isPositive();
            for (JsonNode t : p.path("targets")) {
                Matcher m = Pattern.compile("\\bparley_[a-z_]+").matcher(t.path("expr").asText());
                boolean any = false;
                while (m.find()) {
                    used.add(m.group());
                    any = true;
                }
                assertThat(any).as("panel %s queries a parley_ metric", p.path("title").asText()).isTrue();
            }
        }
        assertThat(panels).isGreaterThanOrEqualTo(6);
        Set<String> unknown = new TreeSet<>(used);
        unknown.removeAll(emitted);
        assertThat(unknown).as("metrics in the dashboard that no code emits").isSubsetOf(PENDING_METRICS);
    }

    /** Prometheus names of every Micrometer meter in the sources: dots to underscores, _total, _seconds_*. */
    static Set<String> emittedMetricNames() throws IOException {
        Set<String> names = new TreeSet<>();
        Pattern lit = Pattern.compile("\"(parley\\.[a-z.]+)\"");
        List<Path> files;
        try (Stream<Path> s = Files.walk(ROOT)) {
            files = s.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/java/")).toList();
        }
        Set<String> bases = new TreeSet<>();
        for (Path f : files) {
            Matcher m = lit.matcher(Files.readString(f));
            while (m.find()) bases.add(m.group(1).replace('.', '_'));
        }
        for (Concern c : Concern.values()) {   // ConcernVerticle: "parley." + id + ".up" / ".pings"
            bases.add("parley_" + c.id() + "_up");
            bases.add("parley_" + c.id() + "_pings");
        }
        for (String b : bases) {
            for (String suffix : List.of("", "_total", "_seconds_bucket", "_seconds_count", "_seconds_sum", "_seconds_max")) names.add(b + suffix);
        }
        return names;
    }

    @Test
    void dockerfileAgreesWithTheManifests() throws IOException {
        String df = Files.readString(ROOT.resolve("Dockerfile"));
        assertThat(df).contains("FROM maven:3.9-eclipse-temurin-17 AS build", "FROM eclipse-temurin:17-jre", "./mvnw -B -DskipTests");
        Matcher expose = Pattern.compile("(?m)^EXPOSE (.+)$").matcher(df);
        assertThat(expose.find()).isTrue();
        var defaults = NodeSchema.defaults();
        assertThat(Set.of(expose.group(1).trim().split("\\s+"))).containsExactlyInAnyOrder(
                String.valueOf(defaults.get("gateway.port")), String.valueOf(defaults.get("peer.port")), String.valueOf(defaults.get("cluster.port")));
        assertThat(df).containsPattern("(?m)^USER " + ManifestChecks.RUN_AS_USER + "(:\\d+)?$");
        assertThat(df).contains("parley-verticles-0.1.0-SNAPSHOT-all.jar");
        assertThat(Files.readString(ROOT.resolve(".dockerignore"))).contains("**/target", ".git");
    }

    // ---- the checks catch broken manifests ------------------------------------------------------------

    static List<String> brokenFile(String name) {
        List<String> out = new ArrayList<>();
        List<Map<String, Object>> docs = Kustomize.readDocs(BROKEN.resolve(name));
        for (Map<String, Object> d : docs) ManifestChecks.strict(d, name, out);
        return out;
    }

    @Test
    void catchesMisspelledFields() {
        assertThat(brokenFile("misspelled-field.yaml")).anySatisfy(p -> assertThat(p).contains("unknown/mistyped field(s) {replica=3}"))
                .anySatisfy(p -> assertThat(p).contains("containerPortt=8080"));
    }

    @Test
    void catchesWrongTypes() {
        assertThat(brokenFile("wrong-type.yaml")).anySatisfy(p -> assertThat(p).contains("does not parse").contains("three"));
    }

    @Test
    void catchesUnknownKinds() {
        assertThat(brokenFile("unknown-kind.yaml")).anySatisfy(p -> assertThat(p).contains("unknown kind apps/v1/StatefullSet"));
    }

    static List<String> brokenOverlay(String name) {
        return problems(BROKEN.resolve(name), allServices());
    }

    @Test
    void catchesSelectorMismatchAfterPatching() {
        assertThat(brokenOverlay("selector-mismatch")).anySatisfy(p -> assertThat(p).contains("Service/parley-relay: selector").contains("matches no pod template"))
                .anySatisfy(p -> assertThat(p).contains("governing Service does not select its pods"));
    }

    @Test
    void catchesTyposInsidePatches() {
        assertThat(brokenOverlay("patch-typo")).anySatisfy(p -> assertThat(p).contains("relays.yaml").contains("imagePullPolcy"));
    }

    @Test
    void catchesProbesOffTheHealthEndpoints() {
        assertThat(brokenOverlay("bad-probe")).anySatisfy(p -> assertThat(p).contains("readinessProbe path is /healthz, expected /ready"))
                .anySatisfy(p -> assertThat(p).contains("livenessProbe port 8081 is not the gateway port 8080"));
    }

    @Test
    void catchesPortsThatDisagreeWithTheConfigAndUnknownEnv() {
        assertThat(brokenOverlay("port-mismatch")).anySatisfy(p -> assertThat(p).contains("container port 'gateway' is 8080 but the node binds gateway.port 8081"))
                .anySatisfy(p -> assertThat(p).contains("env PARLEY_GATEWAY_PROT is no configuration key"));
    }

    @Test
    void catchesMissingConfigMapKeysAndBadConfigValues() {
        assertThat(brokenOverlay("configmap-key")).anySatisfy(p -> assertThat(p).contains("references key nodes.yaml missing from ConfigMap parley-config"))
                .anySatisfy(p -> assertThat(p).contains("the node would not start").contains("routing.distinct-subnets"));
    }

    @Test
    void catchesKustomizationFieldsV203DoesNotKnow() {
        assertThat(brokenOverlay("kustomize-replicas")).anySatisfy(p -> assertThat(p).contains("'replicas' is not a kustomize v2.0.3 field"));
    }

    @Test
    void catchesAClusteredMemberThatCannotJoin() {
        assertThat(brokenOverlay("cluster-join")).anySatisfy(p -> assertThat(p).contains("hides not-ready members"))
                .anySatisfy(p -> assertThat(p).contains("cluster.host is not the pod IP"));
    }

    // ---- optional: the same checks on kubectl's own rendering ---------------------------------------------

    /** Runs when kubectl 1.20 is unpacked at .tools/kubectl (TOOLING.md §1) or PARLEY_KUBECTL names one. */
    @Test
    void kubectlKustomizeRenderPassesTheSameChecks() throws Exception {
        String env = System.getenv("PARLEY_KUBECTL");
        Path kubectl = env != null ? Path.of(env) : ROOT.resolve(".tools/kubectl/usr/bin/kubectl");
        assumeTrue(Files.isExecutable(kubectl), "no kubectl with kustomize at " + kubectl);
        Set<String> services = allServices();
        for (String o : OVERLAYS) {
            Process p = new ProcessBuilder(kubectl.toString(), "kustomize", K8S.resolve(o).toString()).redirectErrorStream(true).start();
            String yaml = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(o + ": " + yaml).isZero();
            Path tmp = Files.createTempFile("kustomized-", ".yaml");
            try {
                Files.writeString(tmp, yaml);
                List<Map<String, Object>> docs = Kustomize.readDocs(tmp);
                assertThat(checkObjects(o + " (kubectl)", docs, services)).as(o).isEmpty();
                List<String> mine = Kustomize.render(K8S.resolve(o)).objects().stream().map(d -> d.get("kind") + "/" + Kustomize.name(d)).sorted().toList();
                List<String> theirs = docs.stream().map(d -> d.get("kind") + "/" + Kustomize.name(d).replaceFirst("^(parley-config)-[a-z0-9]{10}$", "$1")).sorted().toList();
                assertThat(theirs).as(o).isEqualTo(mine);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> flatten(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> sub) flatten((Map<String, Object>) sub).forEach((k, v) -> out.put(e.getKey() + "." + k, v));
            else out.put(e.getKey(), e.getValue());
        }
        return out;
    }

}
