package org.parley.verticles.gateway;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.RequestValidator;
import io.vertx.openapi.validation.ValidatedRequest;
import io.vertx.openapi.validation.ValidatorException;
import io.vertx.openapi.validation.impl.RequestParameterImpl;
import io.vertx.openapi.validation.impl.ValidatableRequestImpl;
import org.junit.jupiter.api.Test;
import org.parley.core.ParleyException;
import org.parley.core.bus.DeliveryMessage;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target for the client API's JSON request bodies: byte 0 picks one of the operations with a
 * JSON body, the rest is the body. It goes through the gateway's own request validation (the
 * contract {@link ClientGateway#requestContract} loads as the router does, the vertx-openapi
 * {@link RequestValidator}, with the request shaped as the router's body-handler extractor shapes
 * it: a valid path id, the body as a buffer, {@code application/json}) and, when valid, through the
 * handler's mapping of the body to a {@link DeliveryMessage} ({@link ClientApi}, {@link DeviceRoutes}).
 * Each input ends in a validation failure carrying a {@link ValidatorException} (which
 * {@link Problems#fromFailure} answers 400), a request, or a {@link ParleyException} (the
 * handlers answer 400 for MALFORMED_INPUT); anything else (a ClassCastException, an NPE, a
 * validation that does not finish in 5 s) would be a 500 or a hang. Committed inputs:
 * {@code src/test/resources/org/parley/verticles/gateway/GatewayBodyFuzzTestInputs/jsonBody/}.
 */
class GatewayBodyFuzzTest {
    /** A valid {@code components/schemas/Id} for the operations with an {@code {id}} path parameter. */
    static final String PATH_ID = "c-0123456789abcdef";

    record Op(String id, boolean pathId, BiFunction<String, JsonObject, DeliveryMessage> mapping) {}

    static final List<Op> OPS = List.of(
            new Op("addContact", false, (id, b) -> ClientApi.addContact(b)),
            new Op("sendMessage", true, ClientApi::sendMessage),
            new Op("markRead", true, ClientApi::markRead),
            new Op("createGroup", false, (id, b) -> ClientApi.createGroup(b)),
            new Op("changeGroupMembers", true, ClientApi::changeGroupMembers),
            new Op("addGroupAdmins", true, ClientApi::addGroupAdmins),
            new Op("rotateInbox", false, (id, b) -> ClientApi.rotateInbox(b)),
            new Op("linkDevice", false, (id, b) -> DeviceRoutes.linkDevice(b)),
            new Op("beginLink", false, (id, b) -> DeviceRoutes.beginLink(b)));

    private static final Vertx VERTX;
    private static final RequestValidator VALIDATOR;

    static {
        VERTX = Vertx.vertx();
        try {
            OpenAPIContract contract = ClientGateway.requestContract(VERTX).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            VALIDATOR = RequestValidator.create(VERTX, contract);
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(VERTX::close));
    }

    /** What became of one body. */
    sealed interface Outcome {
        record Invalid(ValidatorException e) implements Outcome {}
        record Refused(ParleyException e) implements Outcome {}
        record Mapped(DeliveryMessage request) implements Outcome {}
    }

    @FuzzTest
    void jsonBody(byte[] input) throws Exception {
        if (input.length == 0) return;
        Op op = OPS.get((input[0] & 0xff) % OPS.size());
        Outcome o = outcome(op, Buffer.buffer(input).slice(1, input.length));
        if (o instanceof Outcome.Refused r) assertThat(r.e().kind()).isEqualTo(ParleyException.Kind.MALFORMED_INPUT);
        if (o instanceof Outcome.Mapped m) assertThat(m.request()).isNotNull();
    }

    static Outcome outcome(Op op, Buffer body) throws Exception {
        Map<String, RequestParameter> path = op.pathId() ? Map.of("id", new RequestParameterImpl(PATH_ID)) : Map.of();
        ValidatableRequestImpl request = new ValidatableRequestImpl(Map.of(), Map.of(), path, Map.of(),
                new RequestParameterImpl(body), "application/json");
        ValidatedRequest valid;
        try {
            valid = VALIDATOR.validate(request, op.id()).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                if (t instanceof ValidatorException ve) return new Outcome.Invalid(ve);
            }
            throw new AssertionError(op.id() + ": validation failed without a ValidatorException (the gateway would answer 500)", e.getCause());
        }
        try {
            return new Outcome.Mapped(op.mapping().apply(PATH_ID, ClientApi.bodyOf(valid.getBody())));
        } catch (ParleyException e) {
            return new Outcome.Refused(e);
        }
    }

    static Op op(String id) {
        return OPS.stream().filter(o -> o.id().equals(id)).findFirst().orElseThrow();
    }

    static Map<String, byte[]> seeds() {
        Map<String, byte[]> s = new LinkedHashMap<>();
        String invite = "parley://invite/" + "A".repeat(40);
        s.put("addContact", seed("addContact", new JsonObject().put("invite", invite).put("name", "Alice").encode()));
        s.put("sendMessage-text", seed("sendMessage", "{\"text\":\"hello \\u00e9\"}"));
        s.put("sendMessage-attachments", seed("sendMessage", "{\"text\":\"\",\"attachments\":[\"" + "ab".repeat(16) + "\"]}"));
        s.put("markRead", seed("markRead", "{\"upTo\":\"m-1\"}"));
        s.put("createGroup", seed("createGroup", "{\"name\":\"g\",\"members\":[\"a\",\"b\"]}"));
        s.put("changeGroupMembers", seed("changeGroupMembers", "{\"add\":[\"a\"],\"remove\":[\"b\"]}"));
        s.put("addGroupAdmins", seed("addGroupAdmins", "{\"add\":[\"a\"]}"));
        s.put("rotateInbox-invite", seed("rotateInbox", "{\"invite\":true}"));
        s.put("rotateInbox-contact", seed("rotateInbox", "{\"contactId\":\"c1\"}"));
        s.put("rotateInbox-empty", seed("rotateInbox", ""));
        s.put("linkDevice", seed("linkDevice", "{\"code\":\"parley://link/abcdefghijkl\",\"history\":20}"));
        s.put("beginLink", seed("beginLink", "{\"name\":\"laptop\"}"));
        s.put("refused-sendMessage-empty-text", seed("sendMessage", "{\"text\":\"\"}"));
        s.put("refused-rotateInbox-both", seed("rotateInbox", "{\"invite\":true,\"contactId\":\"c1\"}"));
        s.put("invalid-not-json", seed("addContact", "{\"invite\":"));
        s.put("invalid-extra-property", seed("beginLink", "{\"name\":\"x\",\"admin\":true}"));
        s.put("invalid-member-type", seed("createGroup", "{\"name\":\"g\",\"members\":[1,{}]}"));
        s.put("invalid-array-body", seed("markRead", "[\"m-1\"]"));
        s.put("invalid-history-range", seed("linkDevice", "{\"code\":\"parley://link/abcdefghijkl\",\"history\":1e9}"));
        // hostile shapes longer than a short fuzz run grows its inputs
        s.put("invalid-deep-nesting", seed("createGroup", "{\"members\":" + "[".repeat(5000) + "]".repeat(5000) + "}"));
        s.put("invalid-deep-object", seed("rotateInbox", "{\"x\":".repeat(3000) + "1" + "}".repeat(3000)));
        s.put("invalid-huge-number", seed("linkDevice", "{\"code\":\"parley://link/abcdefghijkl\",\"history\":1" + "0".repeat(2000) + "}"));
        s.put("invalid-long-number-exponent", seed("linkDevice", "{\"code\":\"parley://link/abcdefghijkl\",\"history\":1e999999999}"));
        s.put("mapped-duplicate-keys", seed("beginLink", "{\"name\":\"a\",\"name\":\"b\"}"));
        s.put("invalid-raw-control-char", seed("beginLink", "{\"name\":\"\u0000\"}"));
        byte[] badUtf8 = seed("beginLink", "{\"name\":\"??\"}");
        badUtf8[10] = (byte) 0xC3;
        badUtf8[11] = (byte) 0x28;
        s.put("any-bad-utf8-bytes", badUtf8);
        return s;
    }

    private static byte[] seed(String op, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[body.length + 1];
        out[0] = (byte) OPS.indexOf(op(op));
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }

    @Test
    void seedsBehaveAsNamed() throws Exception {
        Map<String, byte[]> s = seeds();
        for (var e : s.entrySet()) {
            byte[] in = e.getValue();
            Outcome o = outcome(OPS.get(in[0]), Buffer.buffer(in).slice(1, in.length));
            String name = e.getKey();
            if (name.startsWith("any-")) continue; // whatever the validator makes of it, jsonBody's contract holds
            if (name.startsWith("invalid-")) assertThat(o).as(name).isInstanceOf(Outcome.Invalid.class);
            else if (name.startsWith("refused-")) assertThat(o).as(name).isInstanceOf(Outcome.Refused.class);
            else assertThat(o).as(name).isInstanceOf(Outcome.Mapped.class);
        }
        assertThat(((Outcome.Mapped) outcome(op("sendMessage"), body(s.get("sendMessage-attachments")))).request())
                .isEqualTo(new DeliveryMessage.SendAttachments(PATH_ID, "", List.of("ab".repeat(16))));
        assertThat(((Outcome.Mapped) outcome(op("linkDevice"), body(s.get("linkDevice")))).request())
                .isEqualTo(new DeliveryMessage.LinkDevice("parley://link/abcdefghijkl", 20));
        assertThat(((Outcome.Mapped) outcome(op("rotateInbox"), body(s.get("rotateInbox-empty")))).request())
                .isEqualTo(new DeliveryMessage.RotateInbox(null));
        if (Boolean.getBoolean("parley.fuzz.writeSeeds")) {
            Path d = Path.of("src/test/resources/org/parley/verticles/gateway/GatewayBodyFuzzTestInputs/jsonBody");
            Files.createDirectories(d);
            for (var e : s.entrySet()) Files.write(d.resolve("seed-" + e.getKey()), e.getValue());
        }
    }

    private static Buffer body(byte[] seed) {
        return Buffer.buffer(seed).slice(1, seed.length);
    }
}
