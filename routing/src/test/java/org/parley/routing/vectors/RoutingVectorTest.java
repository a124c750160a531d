package org.parley.routing.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.core.ParleyException;
import org.parley.core.vectors.VectorResult;
import org.parley.core.vectors.VectorSuite;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RoutingVectorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_FLIPS_PER_FILE = 40;
    private static final List<String> FILES = List.of("ntor-v3.json", "ntor.json", "tor-relay-crypto-tor1.json",
            "tor-relay-crypto-cgo.json");

    static JsonNode load(String file) throws IOException {
        try (InputStream in = RoutingVectorTest.class.getResourceAsStream("/vectors/" + file)) {
            assertThat(in).as(file).isNotNull();
            return JSON.readTree(in);
        }
    }

    static VectorSuite suiteFor(String kind) {
        for (VectorSuite s : ServiceLoader.load(VectorSuite.class)) {
            if (s.kinds().contains(kind)) return s;
        }
        return null;
    }

    static Stream<String> handledFiles() throws IOException {
        List<String> out = new ArrayList<>();
        for (String f : FILES) {
            if (suiteFor(load(f).get("kind").asText()) != null) out.add(f);
        }
        return out.stream();
    }

    @Test
    void serviceLoaderFindsTheSuiteForTheCoreKinds() {
        for (String kind : List.of("ntor-v3", "ntor", "tor1", "cgo")) {
            assertThat(suiteFor(kind)).as(kind).isInstanceOf(RoutingVectorSuite.class);
        }
    }

    @ParameterizedTest
    @MethodSource("handledFiles")
    void everyVectorPasses(String file) throws IOException {
        JsonNode json = load(file);
        List<VectorResult> results = suiteFor(json.get("kind").asText()).run(json.get("kind").asText(), json);
        assertThat(results).isNotEmpty();
        assertThat(results).allSatisfy(r -> assertThat(r.passed()).as(r.name() + ": " + r.detail()).isTrue());
    }

    /** Every hex string that is an expected value, as (file, JSON pointer). */
    static Stream<Arguments> expectedValues() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (String f : handledFiles().toList()) {
            List<Arguments> all = new ArrayList<>();
            collect(f, load(f), "", false, all);
            // every expected value of small files; an evenly spaced sample of at most 40 of large ones
            int stride = Math.max(1, (all.size() + MAX_FLIPS_PER_FILE - 1) / MAX_FLIPS_PER_FILE);
            for (int i = 0; i < all.size(); i += stride) out.add(all.get(i));
        }
        return out.stream();
    }

    private static void collect(String file, JsonNode node, String path, boolean inExpected, List<Arguments> out) {
        if (node.isObject()) {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                boolean exp = inExpected || name.equals("expected") || name.equals("intermediate")
                        || name.startsWith("expected_") || name.startsWith("okm");
                collect(file, node.get(name), path + "/" + name, exp, out);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) collect(file, node.get(i), path + "/" + i, inExpected, out);
        } else if (inExpected && node.isTextual() && node.asText().matches("([0-9a-f]{2})+")) {
            out.add(Arguments.of(file, path));
        }
    }

    @ParameterizedTest
    @MethodSource("expectedValues")
    void oneFlippedExpectedByteFails(String file, String pointer) throws IOException {
        JsonNode json = load(file);
        int slash = pointer.lastIndexOf('/');
        ObjectNode parent = (ObjectNode) json.at(pointer.substring(0, slash));
        String field = pointer.substring(slash + 1);
        String hex = parent.get(field).asText();
        int at = hex.length() / 2 - (hex.length() / 2) % 2;
        char flipped = Character.forDigit(Character.digit(hex.charAt(at), 16) ^ 1, 16);
        parent.set(field, new TextNode(hex.substring(0, at) + flipped + hex.substring(at + 1)));
        String kind = json.get("kind").asText();
        List<VectorResult> results = suiteFor(kind).run(kind, json);
        assertThat(results).as("flipped " + pointer).anyMatch(r -> !r.passed());
    }

    @Test
    void vectorCountsComeFromTheFile() throws IOException {
        JsonNode json = load("tor-relay-crypto-tor1.json");
        int before = new RoutingVectorSuite().run("tor1", json).size();
        ((com.fasterxml.jackson.databind.node.ArrayNode) json.get("vectors")).remove(0);
        assertThat(new RoutingVectorSuite().run("tor1", json)).hasSize(before - 1).allMatch(VectorResult::passed);
    }

    @Test
    void unreadableLayoutIsMalformedInput() throws IOException {
        JsonNode json = load("ntor-v3.json");
        ((ObjectNode) json.get("vectors").get(0).get("inputs")).remove("x");
        assertThatThrownBy(() -> new RoutingVectorSuite().run("ntor-v3", json))
                .isInstanceOfSatisfying(ParleyException.class,
                        e -> assertThat(e.kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT));
    }
}
