package org.parley.verticles.config;

import java.util.List;
import java.util.Locale;

/**
 * One configuration key: its dotted name (as in conf/node.yaml), type, default and a one-line
 * description. The list in {@link NodeSchema} is the single source of truth for keys.
 */
public record ConfigKey(String name, Type type, Object defaultValue, String description, int min, int max) {
    public enum Type { STRING, INT, BOOL, LIST }

    public static ConfigKey string(String name, String def, String description) {
        return new ConfigKey(name, Type.STRING, def, description, 0, 0);
    }

    public static ConfigKey integer(String name, int def, int min, int max, String description) {
        return new ConfigKey(name, Type.INT, def, description, min, max);
    }

    public static ConfigKey bool(String name, boolean def, String description) {
        return new ConfigKey(name, Type.BOOL, def, description, 0, 0);
    }

    public static ConfigKey list(String name, List<String> def, String description) {
        return new ConfigKey(name, Type.LIST, List.copyOf(def), description, 0, 0);
    }

    /** {@code gateway.port} → {@code PARLEY_GATEWAY_PORT}. */
    public String envName() {
        return "PARLEY_" + name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The form a user must write, for error messages. */
    public String expectedForm() {
        return switch (type) {
            case STRING -> "a string";
            case INT -> "an integer from " + min + " to " + max;
            case BOOL -> "true or false";
            case LIST -> "a list of strings (comma-separated in flags and environment)";
        };
    }
}
