package org.parley.verticles.k8s;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The subset of kustomize v2.0.3 (kubectl 1.20 {@code apply -k}) that k8s/ uses, rendered in Java so CI needs
 * no kubectl: bases/resources (files and directories), namespace, commonLabels, images, configMapGenerator
 * (files, without the hash suffix) and patchesStrategicMerge with a simple strategic merge (maps by key; lists
 * of maps by {@code name}, ports by {@code containerPort}, volumeMounts by {@code mountPath}; other lists are
 * replaced). A kustomization key outside {@link #SUPPORTED} fails, as v2.0.3 would (or worse, ignore it).
 */
final class Kustomize {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final Set<String> SUPPORTED = Set.of("apiVersion", "kind", "bases", "resources", "namespace", "namePrefix",
            "commonLabels", "commonAnnotations", "images", "configMapGenerator", "secretGenerator", "generatorOptions",
            "patchesStrategicMerge");

    /** One source file of a render (resources and patches), for the strict per-file check. */
    record Source(Path file, List<Map<String, Object>> docs, boolean patch) {}

    record Result(List<Map<String, Object>> objects, List<Source> sources, List<String> problems) {}

    private Kustomize() {}

    static Result render(Path dir) {
        List<Source> sources = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<Map<String, Object>> objects = render(dir.normalize(), sources, problems, 0);
        return new Result(objects, sources, problems);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> render(Path dir, List<Source> sources, List<String> problems, int depth) {
        if (depth > 5) throw new IllegalStateException("bases nested deeper than 5 at " + dir);
        Map<String, Object> k = readDocs(dir.resolve("kustomization.yaml")).get(0);
        for (String key : k.keySet()) {
            if (!SUPPORTED.contains(key)) problems.add(dir + "/kustomization.yaml: '" + key + "' is not a kustomize v2.0.3 field");
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (String b : (List<String>) k.getOrDefault("bases", List.of())) out.addAll(render(dir.resolve(b).normalize(), sources, problems, depth + 1));
        for (String r : (List<String>) k.getOrDefault("resources", List.of())) {
            Path p = dir.resolve(r).normalize();
            if (Files.isDirectory(p)) {
                problems.add(dir + ": resources entry '" + r + "' is a directory (kustomize v2.0.3 wants it under bases:)");
                continue;
            }
            List<Map<String, Object>> docs = readDocs(p);
            sources.add(new Source(p, docs, false));
            out.addAll(docs);
        }
        for (Map<String, Object> g : (List<Map<String, Object>>) k.getOrDefault("configMapGenerator", List.of())) {
            Map<String, Object> data = new LinkedHashMap<>();
            for (String f : (List<String>) g.getOrDefault("files", List.of())) {
                String key = f.contains("=") ? f.substring(0, f.indexOf('=')) : Path.of(f).getFileName().toString();
                Path src = dir.resolve(f.contains("=") ? f.substring(f.indexOf('=') + 1) : f).normalize();
                if (!src.startsWith(dir)) problems.add(dir + ": configMapGenerator file " + f + " lies outside the kustomization directory (v2.0.3 refuses it)");
                data.put(key, read(src));
            }
            for (String lit : (List<String>) g.getOrDefault("literals", List.of())) {
                data.put(lit.substring(0, lit.indexOf('=')), lit.substring(lit.indexOf('=') + 1));
            }
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("apiVersion", "v1");
            cm.put("kind", "ConfigMap");
            cm.put("metadata", new LinkedHashMap<>(Map.of("name", g.get("name"))));
            cm.put("data", data);
            out.add(cm);
        }
        for (String pf : (List<String>) k.getOrDefault("patchesStrategicMerge", List.of())) {
            Path p = dir.resolve(pf).normalize();
            List<Map<String, Object>> docs = readDocs(p);
            sources.add(new Source(p, docs, true));
            for (Map<String, Object> patch : docs) {
                Map<String, Object> target = out.stream().filter(o -> sameObject(o, patch)).findFirst().orElse(null);
                if (target == null) {
                    problems.add(p + ": patch targets " + patch.get("kind") + "/" + name(patch) + ", which the bases do not define");
                } else {
                    merge(target, patch);
                }
            }
        }
        Map<String, String> labels = (Map<String, String>) k.getOrDefault("commonLabels", Map.of());
        String ns = (String) k.get("namespace");
        for (Map<String, Object> o : out) {
            if (!labels.isEmpty()) addLabels(o, labels);
            if (ns != null && !"Namespace".equals(o.get("kind"))) meta(o).put("namespace", ns);
        }
        for (Map<String, Object> img : (List<Map<String, Object>>) k.getOrDefault("images", List.of())) {
            for (Map<String, Object> o : out) {
                for (Map<String, Object> c : containers(o)) {
                    String image = (String) c.get("image");
                    String repo = image.contains(":") ? image.substring(0, image.lastIndexOf(':')) : image;
                    if (!repo.equals(img.get("name"))) continue;
                    String tag = image.contains(":") ? image.substring(image.lastIndexOf(':') + 1) : "latest";
                    c.put("image", img.getOrDefault("newName", repo) + ":" + img.getOrDefault("newTag", tag));
                }
            }
        }
        return out;
    }

    static List<Map<String, Object>> readDocs(Path file) {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (JsonParser p = YAML.getFactory().createParser(file.toFile())) {
            MappingIterator<Map<String, Object>> it = YAML.readValues(p, YAML.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, Object.class));
            while (it.hasNext()) {
                Map<String, Object> d = it.next();
                if (d != null && !d.isEmpty()) docs.add(d);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return docs;
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> meta(Map<String, Object> o) {
        return (Map<String, Object>) o.computeIfAbsent("metadata", x -> new LinkedHashMap<>());
    }

    static String name(Map<String, Object> o) {
        return String.valueOf(meta(o).get("name"));
    }

    private static boolean sameObject(Map<String, Object> a, Map<String, Object> b) {
        return String.valueOf(a.get("kind")).equals(String.valueOf(b.get("kind"))) && name(a).equals(name(b));
    }

    @SuppressWarnings("unchecked")
    static void merge(Map<String, Object> target, Map<String, Object> patch) {
        for (Map.Entry<String, Object> e : patch.entrySet()) {
            Object cur = target.get(e.getKey());
            Object val = e.getValue();
            if (cur instanceof Map<?, ?> cm && val instanceof Map<?, ?> vm) {
                merge((Map<String, Object>) cm, (Map<String, Object>) vm);
            } else if (cur instanceof List<?> cl && val instanceof List<?> vl && mergeKey(e.getKey()) != null) {
                String key = mergeKey(e.getKey());
                List<Object> merged = new ArrayList<>();
                for (Object pv : vl) {
                    Object match = cl.stream().filter(c -> c instanceof Map<?, ?> m && pv instanceof Map<?, ?> pm
                            && m.get(key) != null && m.get(key).equals(pm.get(key))).findFirst().orElse(null);
                    if (match != null) merge((Map<String, Object>) match, (Map<String, Object>) pv);
                    else merged.add(pv);   // like kustomize: new items first
                }
                merged.addAll(cl);
                target.put(e.getKey(), merged);
            } else {
                target.put(e.getKey(), val);
            }
        }
    }

    private static String mergeKey(String field) {
        return switch (field) {
            case "containers", "initContainers", "env", "volumes", "volumeClaimTemplates" -> field.equals("volumeClaimTemplates") ? null : "name";
            case "ports" -> "containerPort";
            case "volumeMounts" -> "mountPath";
            default -> null;
        };
    }

    @SuppressWarnings("unchecked")
    private static void addLabels(Map<String, Object> o, Map<String, String> labels) {
        ((Map<String, Object>) meta(o).computeIfAbsent("labels", x -> new LinkedHashMap<>())).putAll(labels);
        Map<String, Object> spec = (Map<String, Object>) o.get("spec");
        if (spec == null) return;
        switch (String.valueOf(o.get("kind"))) {
            case "Service" -> ((Map<String, Object>) spec.computeIfAbsent("selector", x -> new LinkedHashMap<>())).putAll(labels);
            case "Deployment", "StatefulSet", "DaemonSet" -> {
                matchLabels(spec, "selector").putAll(labels);
                Map<String, Object> tmpl = (Map<String, Object>) spec.computeIfAbsent("template", x -> new LinkedHashMap<>());
                ((Map<String, Object>) meta(tmpl).computeIfAbsent("labels", x -> new LinkedHashMap<>())).putAll(labels);
                for (Map<String, Object> vct : (List<Map<String, Object>>) spec.getOrDefault("volumeClaimTemplates", List.of())) {
                    ((Map<String, Object>) meta(vct).computeIfAbsent("labels", x -> new LinkedHashMap<>())).putAll(labels);
                }
            }
            case "PodDisruptionBudget" -> matchLabels(spec, "selector").putAll(labels);
            case "NetworkPolicy" -> matchLabels(spec, "podSelector").putAll(labels);
            default -> { }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> matchLabels(Map<String, Object> spec, String field) {
        Map<String, Object> sel = (Map<String, Object>) spec.computeIfAbsent(field, x -> new LinkedHashMap<>());
        return (Map<String, Object>) sel.computeIfAbsent("matchLabels", x -> new LinkedHashMap<>());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> containers(Map<String, Object> o) {
        Object spec = o.get("spec");
        if (!(spec instanceof Map<?, ?> s) || !(s.get("template") instanceof Map<?, ?> t) || !(t.get("spec") instanceof Map<?, ?> ps)) return List.of();
        return (List<Map<String, Object>>) ((Map<String, Object>) ps).getOrDefault("containers", List.of());
    }
}
