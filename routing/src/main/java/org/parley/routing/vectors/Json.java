package org.parley.routing.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;

import java.nio.charset.StandardCharsets;

/** Strict accessors for vector files: a missing or mistyped field is MALFORMED_INPUT. */
final class Json {
    private Json() {
    }

    static JsonNode field(JsonNode node, String name) {
        JsonNode v = node == null ? null : node.get(name);
        if (v == null || v.isNull()) {
            throw ParleyException.malformed("vector file lacks field '" + name + "'");
        }
        return v;
    }

    static String text(JsonNode node, String name) {
        JsonNode v = field(node, name);
        if (!v.isTextual()) {
            throw ParleyException.malformed("vector field '" + name + "' must be a string");
        }
        return v.asText();
    }

    static Bytes hex(JsonNode node, String name) {
        return Bytes.fromHex(text(node, name));
    }

    static Bytes ascii(JsonNode node, String name) {
        return Bytes.wrap(text(node, name).getBytes(StandardCharsets.UTF_8));
    }

    static int integer(JsonNode node, String name) {
        JsonNode v = field(node, name);
        if (!v.canConvertToInt()) {
            throw ParleyException.malformed("vector field '" + name + "' must be an integer");
        }
        return v.asInt();
    }

    static JsonNode array(JsonNode node, String name) {
        JsonNode v = field(node, name);
        if (!v.isArray()) {
            throw ParleyException.malformed("vector field '" + name + "' must be an array");
        }
        return v;
    }
}
