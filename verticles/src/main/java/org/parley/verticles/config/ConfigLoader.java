package org.parley.verticles.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.parley.core.ParleyException;
import org.parley.core.bus.Addresses.Concern;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Layers configuration once, at start: code defaults ← file (YAML) ← environment
 * ({@code PARLEY_GATEWAY_PORT}) ← flags. Unknown keys, wrong types and out-of-range values fail
 * with a {@link ParleyException} of kind CONFIG whose message names the key and the expected form.
 */
public final class ConfigLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private ConfigLoader() {}

    public static NodeConfig load(Path file, Map<String, String> env, Map<String, Object> flags) {
        Map<String, Object> values = NodeSchema.defaults();
        Map<String, ConfigKey> keys = NodeSchema.byName();
        if (file != null) {
            for (Map.Entry<String, Object> e : readYaml(file).entrySet()) {
                ConfigKey k = keys.get(e.getKey());
                if (k == null) {
                    throw config("unknown key '" + e.getKey() + "' in " + file + " (known keys: " + String.join(", ", keys.keySet()) + ")");
                }
                values.put(k.name(), coerce(k, e.getValue(), "in " + file));
            }
        }
        for (ConfigKey k : keys.values()) {
            String v = env.get(k.envName());
            if (v != null) values.put(k.name(), coerce(k, v, "in environment variable " + k.envName()));
        }
        for (Map.Entry<String, Object> e : flags.entrySet()) {
            ConfigKey k = keys.get(e.getKey());
            if (k == null) throw new IllegalArgumentException("flag for unknown key " + e.getKey());
            if (e.getValue() != null) values.put(k.name(), coerce(k, e.getValue(), "in flag --" + k.name().replace('.', '-')));
        }
        return NodeConfig.fromMap(values);
    }

    /** Reads a YAML file into dotted keys; nested maps are flattened, lists kept. */
    public static Map<String, Object> readYaml(Path file) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (IOException e) {
            throw config("cannot read config file " + file + ": " + e.getMessage().split("\n")[0]);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        if (root == null || root.isNull() || root.isMissingNode()) return out;
        if (!root.isObject()) throw config("config file " + file + " must be a YAML mapping of keys");
        flatten("", root, out);
        return out;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, Object> out) {
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            JsonNode v = e.getValue();
            if (v.isObject()) {
                flatten(key, v, out);
            } else if (v.isArray()) {
                List<Object> items = new ArrayList<>();
                v.forEach(i -> items.add(i.isValueNode() ? i.asText() : i));
                out.put(key, items);
            } else if (v.isInt() || v.isLong()) {
                out.put(key, v.asLong());
            } else if (v.isBoolean()) {
                out.put(key, v.asBoolean());
            } else if (v.isNull()) {
                out.put(key, null);
            } else {
                out.put(key, v.asText());
            }
        }
    }

    static Object coerce(ConfigKey k, Object raw, String where) {
        String bad = "bad value for '" + k.name() + "' " + where + ": expected " + k.expectedForm();
        if (raw == null) throw config(bad + ", got nothing");
        switch (k.type()) {
            case STRING -> {
                if (raw instanceof String s) return s;
                if (raw instanceof Number || raw instanceof Boolean) return raw.toString();
                throw config(bad);
            }
            case INT -> {
                long v;
                if (raw instanceof Number n) {
                    v = n.longValue();
                } else if (raw instanceof String s) {
                    try {
                        v = Long.parseLong(s.trim());
                    } catch (NumberFormatException e) {
                        throw config(bad + ", got '" + s + "'");
                    }
                } else {
                    throw config(bad);
                }
                if (v < k.min() || v > k.max()) throw config(bad + ", got " + v);
                return (int) v;
            }
            case BOOL -> {
                if (raw instanceof Boolean b) return b;
                if (raw instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
                    return Boolean.parseBoolean(s);
                }
                throw config(bad + ", got '" + raw + "'");
            }
            case LIST -> {
                List<String> out = new ArrayList<>();
                if (raw instanceof String s) {
                    Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).forEach(out::add);
                } else if (raw instanceof List<?> l) {
                    for (Object o : l) {
                        if (!(o instanceof String str)) throw config(bad);
                        out.add(str.trim());
                    }
                } else {
                    throw config(bad);
                }
                if (k.name().equals("cluster.only")) {
                    for (String s : out) {
                        try {
                            Concern.fromId(s);
                        } catch (IllegalArgumentException e) {
                            throw config("bad value for 'cluster.only' " + where + ": " + e.getMessage());
                        }
                    }
                }
                return List.copyOf(out);
            }
            default -> throw new IllegalStateException();
        }
    }

    private static ParleyException config(String msg) {
        return new ParleyException(ParleyException.Kind.CONFIG, msg);
    }
}
