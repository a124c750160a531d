package org.parley.delivery.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.core.ParleyException;
import org.parley.core.vectors.VectorResult;
import org.parley.core.vectors.VectorSuite;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeliveryVectorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<String> files() {
        return Stream.of("signal-x3dh-double-ratchet.json", "xeddsa.json");
    }

    private static JsonNode load(String file) throws IOException {
        try (InputStream in = DeliveryVectorTest.class.getResourceAsStream("/vectors/" + file)) {
            assertThat(in).as(file).isNotNull();
            return JSON.readTree(in);
        }
    }

    private static VectorSuite suiteFor(String kind) {
        for (VectorSuite s : ServiceLoader.load(VectorSuite.class)) {
            if (s.kinds().contains(kind)) return s;
        }
        throw new AssertionError("no VectorSuite for " + kind);
    }

    @ParameterizedTest
    @MethodSource("files")
    void everyVectorPasses(String file) throws IOException {
        JsonNode root = load(file);
        String kind = root.get("kind").asText();
        List<VectorResult> results = suiteFor(kind).run(kind, root);
        assertThat(results).isNotEmpty();
        assertThat(results).allSatisfy(r -> assertThat(r.passed()).as(r.name() + ": " + r.detail()).isTrue());
    }

    /** Flip one byte of each expected hex value in turn: the suite must report a failure every time. */
    @ParameterizedTest
    @MethodSource("files")
    void flippedExpectedByteFails(String file) throws IOException {
        JsonNode root = load(file);
        String kind = root.get("kind").asText();
        List<String[]> paths = new ArrayList<>();
        collectExpectedHex(root, "", paths);
        assertThat(paths).isNotEmpty();
        for (String[] p : paths) {
            JsonNode copy = root.deepCopy();
            ObjectNode holder = (ObjectNode) copy.at(p[0]);
            String hex = holder.get(p[1]).asText();
            char c = hex.charAt(0);
            String flipped = (c == '0' ? '1' : '0') + hex.substring(1);
            holder.set(p[1], TextNode.valueOf(flipped));
            List<VectorResult> results = suiteFor(kind).run(kind, copy);
            assertThat(results).as("flipped " + p[0] + "/" + p[1]).anyMatch(r -> !r.passed());
        }
    }

    @Test
    void flippedVerifySignatureIsRejected() throws IOException {
        JsonNode root = load("xeddsa.json");
        JsonNode copy = root.deepCopy();
        ObjectNode inputs = (ObjectNode) copy.at("/verify_vectors/0/inputs");
        String sig = inputs.get("signature").asText();
        inputs.set("signature", TextNode.valueOf((sig.charAt(0) == '0' ? '1' : '0') + sig.substring(1)));
        List<VectorResult> results = suiteFor("xeddsa").run("xeddsa", copy);
        assertThat(results).anyMatch(r -> !r.passed() && r.name().contains("verify = true"));
    }

    /** Same values under plain field names (comments stripped) and in another order: still all pass. */
    @ParameterizedTest
    @MethodSource("files")
    void fieldNamesAreMatchedUpToTheirComment(String file) throws IOException {
        JsonNode root = load(file);
        JsonNode stripped = strip(root);
        String kind = root.get("kind").asText();
        List<VectorResult> a = suiteFor(kind).run(kind, root);
        List<VectorResult> b = suiteFor(kind).run(kind, stripped);
        assertThat(b).hasSameSizeAs(a).allMatch(VectorResult::passed);
    }

    /** The X25519 vector with Alice and Bob swapped: the values are read, not assumed. */
    @Test
    void swappedAgreementRolesStillPass() throws IOException {
        JsonNode root = load("signal-x3dh-double-ratchet.json").deepCopy();
        ObjectNode in = (ObjectNode) root.at("/x25519_vectors/0/inputs");
        JsonNode ap = in.get("alice_private"), apub = in.get("alice_public");
        in.set("alice_private", in.get("bob_private"));
        in.set("alice_public", in.get("bob_public"));
        in.set("bob_private", ap);
        in.set("bob_public", apub);
        List<VectorResult> r = suiteFor("signal-x3dh-ratchet").run("signal-x3dh-ratchet", root);
        assertThat(r).allMatch(VectorResult::passed);
    }

    private static JsonNode strip(JsonNode node) {
        if (node.isObject()) {
            ObjectNode out = JSON.createObjectNode();
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
            node.fields().forEachRemaining(fields::add);
            java.util.Collections.reverse(fields);
            for (Map.Entry<String, JsonNode> e : fields) {
                String k = e.getKey();
                int cut = k.indexOf(" (");
                out.set(cut > 0 ? k.substring(0, cut) : k, strip(e.getValue()));
            }
            return out;
        }
        if (node.isArray()) {
            var arr = JSON.createArrayNode();
            node.forEach(n -> arr.add(strip(n)));
            return arr;
        }
        return node;
    }

    @Test
    void unreadableFileIsMalformed() throws IOException {
        JsonNode root = JSON.readTree("{\"kind\":\"signal-x3dh-ratchet\",\"full_session_vectors\":[{\"inputs\":{},\"expected\":{}}]}");
        assertThatThrownBy(() -> suiteFor("signal-x3dh-ratchet").run("signal-x3dh-ratchet", root))
                .isInstanceOf(ParleyException.class)
                .satisfies(e -> assertThat(((ParleyException) e).kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT));
    }

    /** Paths (JSON pointer of the holder, field name) of every hex string under an "expected" object. */
    private static void collectExpectedHex(JsonNode node, String path, List<String[]> out) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String child = path + "/" + e.getKey().replace("~", "~0").replace("/", "~1");
                if (path.endsWith("/expected") && e.getValue().isTextual() && e.getValue().asText().matches("[0-9a-f]{2,}")) {
                    out.add(new String[]{path, e.getKey()});
                } else {
                    collectExpectedHex(e.getValue(), child, out);
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) collectExpectedHex(node.get(i), path + "/" + i, out);
        }
    }
}
