package org.parley.delivery.service;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.DeliveryMessage.AttachmentView;
import org.parley.core.bus.DeliveryMessage.MessageView;
import org.parley.delivery.attachment.AttachmentCodec;
import org.parley.delivery.attachment.ChunkCipher;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.delivery.service.DeliveryServiceTest.connect;
import static org.parley.delivery.service.DeliveryServiceTest.fast;

class AttachmentServiceTest {
    private static final int MIB = 1 << 20;

    static Bytes file(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return Bytes.wrap(b);
    }

    /** Uploads in uneven parts (as a streamed HTTP body arrives). */
    static AttachmentView upload(SimNet.Peer p, Bytes data, String name) {
        DeliveryService s = p.service;
        AttachmentView v = reply(s, new DeliveryMessage.BeginAttachment(name, "application/octet-stream"), DeliveryMessage.AttachmentReply.class).attachment();
        int off = 0, step = 100_003;
        while (off < data.length()) {
            int end = Math.min(data.length(), off + step);
            reply(s, new DeliveryMessage.AttachmentPart(v.attachmentId(), data.slice(off, end)), DeliveryMessage.Ok.class);
            off = end;
        }
        return reply(s, new DeliveryMessage.FinishAttachment(v.attachmentId()), DeliveryMessage.AttachmentReply.class).attachment();
    }

    static <T> T reply(DeliveryService s, DeliveryMessage request, Class<T> type) {
        return type.cast(s.handle(request).toCompletableFuture().join());
    }

    static Optional<AttachmentView> incoming(SimNet.Peer p, String conversationId) {
        List<MessageView> ms;
        try {
            ms = reply(p.service, new DeliveryMessage.ListMessages(conversationId, 0, 50), DeliveryMessage.Messages.class).messages();
        } catch (java.util.concurrent.CompletionException e) {
            return Optional.empty(); // the conversation is not there yet (a group whose creation is on its way)
        }
        return ms.stream().filter(m -> m.direction().equals("in") && !m.attachments().isEmpty()).map(m -> m.attachments().get(0)).findFirst();
    }

    static String status(SimNet.Peer p, String conversationId) {
        return incoming(p, conversationId).map(AttachmentView::status).orElse("none");
    }

    static Bytes download(SimNet.Peer p, String id) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int count = 1;
        for (int i = 0; i < count; i++) {
            DeliveryMessage.AttachmentChunk c = reply(p.service, new DeliveryMessage.ReadAttachmentChunk(id, i), DeliveryMessage.AttachmentChunk.class);
            count = c.count();
            out.writeBytes(c.data().toArray());
        }
        return Bytes.wrap(out.toByteArray());
    }

    static long chunkSends(SimNet net, String from) {
        return net.sends.stream().filter(s -> s.from().equals(from) && s.length() > 60_000).count();
    }

    @Test
    void fiveMiBArriveByteExactThroughLossyReorderingRelaysAndOnlyLostChunksAreResent() {
        SimNet net = new SimNet(21, 4);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), fast("alice"), 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), fast("bob"), 2);
        String[] conv = connect(net, alice, bob);
        net.dropBeforeStore = 0.05;
        net.dropAfterStore = 0.05;
        net.reorder = 0.2;
        net.duplicate = 0.05;
        Bytes data = file(5 * MIB, 1);
        AttachmentView up = upload(alice, data, "photo.bin");
        assertThat(up.status()).isEqualTo("ready");
        assertThat(up.size()).isEqualTo(data.length());
        MessageView sent = reply(alice.service, new DeliveryMessage.SendAttachments(conv[0], "look", List.of(up.attachmentId())),
                DeliveryMessage.MessageReply.class).message();
        assertThat(sent.attachments()).extracting(AttachmentView::status).containsExactly("sending");

        assertThat(net.runUntil(() -> status(bob, conv[1]).equals("received"), 600_000)).as("bob has %s", status(bob, conv[1])).isTrue();
        AttachmentView got = incoming(bob, conv[1]).orElseThrow();
        assertThat(got.name()).isEqualTo("photo.bin");
        assertThat(got.size()).isEqualTo(data.length());
        assertThat(download(bob, got.attachmentId())).isEqualTo(data);
        assertThat(net.runUntil(() -> reply(alice.service, new DeliveryMessage.GetAttachment(up.attachmentId()),
                DeliveryMessage.AttachmentReply.class).attachment().status().equals("sent"), 120_000)).isTrue();

        int chunks = ChunkCipher.chunkCount(data.length());
        long sends = chunkSends(net, "alice");
        assertThat(sends).as("chunk envelopes").isGreaterThan(chunks).isLessThan(2L * chunks); // losses resent, not the whole file
        // every chunk envelope has one length: the last chunk's size does not show
        assertThat(net.sends.stream().filter(s -> s.from().equals("alice") && s.length() > 60_000).map(SimNet.Sent::length).distinct())
                .hasSize(1);
        // bob was told: a message event, attachment progress events, the text arrived with the attachment
        assertThat(bob.events.stream().filter(e -> e.type().equals("attachment")).map(e -> e.message().attachments().get(0).status()))
                .contains("receiving", "received");
        assertThat(bob.events.stream().filter(e -> e.type().equals("message")).map(e -> e.message().text())).contains("look");
    }

    @Test
    void aTamperedOrReorderedChunkFailsTheCheckAndIsNeverExposed() {
        for (String fault : List.of("flip", "swap")) {
            SimNet net = new SimNet(31, 3);
            SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), fast("alice"), 1);
            SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), fast("bob"), 2);
            String[] conv = connect(net, alice, bob);
            AttachmentView up = upload(alice, file(4 * ChunkCipher.CHUNK + 10, 2), "x");
            // damage alice's sealed chunks at rest before they go out (the recipient cannot tell who damaged them)
            MessageRecord c1 = alice.store.get("oc:" + up.attachmentId() + ":1").orElseThrow();
            MessageRecord c2 = alice.store.get("oc:" + up.attachmentId() + ":2").orElseThrow();
            if (fault.equals("flip")) {
                byte[] b = c1.body().toArray();
                b[5] ^= 0x40;
                alice.store.overwrite(new MessageRecord(c1.conversationId(), c1.messageId(), false, Bytes.wrap(b), c1.status(), c1.extra(), 0, 0));
            } else {
                alice.store.overwrite(new MessageRecord(c1.conversationId(), c1.messageId(), false, c2.body(), c1.status(), c1.extra(), 0, 0));
                alice.store.overwrite(new MessageRecord(c2.conversationId(), c2.messageId(), false, c1.body(), c2.status(), c2.extra(), 0, 0));
            }
            reply(alice.service, new DeliveryMessage.SendAttachments(conv[0], "", List.of(up.attachmentId())), DeliveryMessage.MessageReply.class);
            assertThat(net.runUntil(() -> status(bob, conv[1]).equals("failed"), 120_000)).as(fault + ": " + status(bob, conv[1])).isTrue();
            String id = incoming(bob, conv[1]).orElseThrow().attachmentId();
            assertThatThrownBy(() -> bob.service.handle(new DeliveryMessage.ReadAttachmentChunk(id, 0)).toCompletableFuture().join())
                    .hasCauseInstanceOf(ParleyException.class).hasMessageContaining("not received");
        }
    }

    @Test
    void aChunkOfAnotherIndexOrBeyondTheFileIsRefusedAtTheRecipient() {
        SimNet net = new SimNet(33, 3);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), fast("alice"), 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), fast("bob"), 2);
        String[] conv = connect(net, alice, bob);
        AttachmentView up = upload(alice, file(2 * ChunkCipher.CHUNK, 3), "y");
        // a truncated file: alice's last chunk is replaced by her first (sealed as not-last at index 0)
        MessageRecord c0 = alice.store.get("oc:" + up.attachmentId() + ":0").orElseThrow();
        MessageRecord c1 = alice.store.get("oc:" + up.attachmentId() + ":1").orElseThrow();
        alice.store.overwrite(new MessageRecord(c1.conversationId(), c1.messageId(), false, c0.body(), c1.status(), c1.extra(), 0, 0));
        reply(alice.service, new DeliveryMessage.SendAttachments(conv[0], "", List.of(up.attachmentId())), DeliveryMessage.MessageReply.class);
        assertThat(net.runUntil(() -> status(bob, conv[1]).equals("failed"), 120_000)).isTrue();
    }

    @Test
    void restartsOfSenderAndRecipientMidTransferResumeWithoutStartingOver() {
        SimNet net = new SimNet(41, 4);
        // a window of 8 of the 35 chunks: only those in flight at a restart may go out twice
        DeliveryConfig windowed = fast("alice").withAttachments(DeliveryConfig.DEFAULT_MAX_ATTACHMENT, 8);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), windowed, 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), fast("bob"), 2);
        String[] conv = connect(net, alice, bob);
        net.dropAfterStore = 0.05;
        Bytes data = file(2 * MIB + 77, 4);
        int chunks = ChunkCipher.chunkCount(data.length());
        AttachmentView up = upload(alice, data, "doc.pdf");
        reply(alice.service, new DeliveryMessage.SendAttachments(conv[0], "doc", List.of(up.attachmentId())), DeliveryMessage.MessageReply.class);
        assertThat(net.runUntil(() -> incoming(bob, conv[1]).map(a -> a.progress() >= 0.3).orElse(false), 60_000)).isTrue();
        assertThat(status(bob, conv[1])).isEqualTo("receiving");

        alice.service.stop();
        net.start(alice, windowed, 101); // the sender restarts over its store
        assertThat(net.runUntil(() -> incoming(bob, conv[1]).map(a -> a.progress() >= 0.6).orElse(false), 60_000)).isTrue();
        bob.online = false;
        bob.service.stop();
        net.scheduler.advance(2_000);
        bob.online = true;
        net.start(bob, fast("bob"), 102); // the recipient restarts: it finds its stored chunks again
        bob.goOnline();
        assertThat(net.runUntil(() -> status(bob, conv[1]).equals("received"), 300_000)).as(status(bob, conv[1])).isTrue();
        assertThat(download(bob, incoming(bob, conv[1]).orElseThrow().attachmentId())).isEqualTo(data);
        assertThat(chunkSends(net, "alice")).as("chunks resent, not the whole file").isLessThan(2L * chunks);
        assertThat(net.runUntil(() -> reply(alice.service, new DeliveryMessage.GetAttachment(up.attachmentId()),
                DeliveryMessage.AttachmentReply.class).attachment().status().equals("sent"), 120_000)).isTrue();
    }

    @Test
    void aGroupAttachmentFansOutToEveryMemberAndIsSentOnceAllConfirmed() {
        SimNet net = new SimNet(61, 4);
        List<SimNet.Peer> ps = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) ps.add(net.peer("p" + i, new InMemoryDeliveryStore(), fast("p" + i), i + 1));
        List<String> members = new java.util.ArrayList<>();
        for (int j = 1; j < 4; j++) members.add(connect(net, ps.get(0), ps.get(j))[0]);
        DeliveryMessage.ConversationView g = ps.get(0).service.createGroup("team", members).toCompletableFuture().join();
        Bytes data = file(3 * ChunkCipher.CHUNK + 5, 8);
        AttachmentView up = upload(ps.get(0), data, "plan.txt");
        net.dropAfterStore = 0.05;
        reply(ps.get(0).service, new DeliveryMessage.SendAttachments(g.conversationId(), "the plan", List.of(up.attachmentId())),
                DeliveryMessage.MessageReply.class);
        for (int j = 1; j < 4; j++) {
            SimNet.Peer p = ps.get(j);
            assertThat(net.runUntil(() -> status(p, g.conversationId()).equals("received"), 120_000)).as(p.name).isTrue();
            assertThat(download(p, incoming(p, g.conversationId()).orElseThrow().attachmentId())).isEqualTo(data);
        }
        assertThat(net.runUntil(() -> reply(ps.get(0).service, new DeliveryMessage.GetAttachment(up.attachmentId()),
                DeliveryMessage.AttachmentReply.class).attachment().status().equals("sent"), 60_000)).isTrue();
    }

    @Test
    void limitsAndBadRequestsFailWithAKind() {
        SimNet net = new SimNet(51, 3);
        SimNet.Peer alice = net.peer("alice", new InMemoryDeliveryStore(), fast("alice").withAttachments(3 * ChunkCipher.CHUNK, 4), 1);
        SimNet.Peer bob = net.peer("bob", new InMemoryDeliveryStore(), fast("bob"), 2);
        String[] conv = connect(net, alice, bob);
        AttachmentView v = reply(alice.service, new DeliveryMessage.BeginAttachment("big", ""), DeliveryMessage.AttachmentReply.class).attachment();
        reply(alice.service, new DeliveryMessage.AttachmentPart(v.attachmentId(), file(2 * ChunkCipher.CHUNK, 5)), DeliveryMessage.Ok.class);
        assertKind(alice, new DeliveryMessage.AttachmentPart(v.attachmentId(), file(2 * ChunkCipher.CHUNK, 6)), ParleyException.Kind.RESOURCE_LIMIT);
        assertKind(alice, new DeliveryMessage.FinishAttachment(v.attachmentId()), ParleyException.Kind.NOT_FOUND); // dropped at the limit
        assertKind(alice, new DeliveryMessage.SendAttachments(conv[0], "", List.of("00")), ParleyException.Kind.NOT_FOUND);
        assertKind(alice, new DeliveryMessage.SendAttachments(conv[0], "", List.of()), ParleyException.Kind.MALFORMED_INPUT);
        assertKind(alice, new DeliveryMessage.GetAttachment("nope"), ParleyException.Kind.NOT_FOUND);
        assertKind(alice, new DeliveryMessage.BeginAttachment("n", "bad\ntype"), ParleyException.Kind.MALFORMED_INPUT);
        AttachmentView small = upload(alice, file(10, 7), "s.txt");
        assertKind(alice, new DeliveryMessage.ReadAttachmentChunk(small.attachmentId(), 1), ParleyException.Kind.MALFORMED_INPUT);
        assertThat(download(alice, small.attachmentId())).isEqualTo(file(10, 7)); // the sender reads its own upload back
        // an old peer's view of the new inner types: unknown codes, ignored (the chunk body has its fixed size)
        assertThat(AttachmentCodec.CHUNK_BODY + 38 + 1).isLessThanOrEqualTo(65536);
    }

    private static void assertKind(SimNet.Peer p, DeliveryMessage request, ParleyException.Kind kind) {
        assertThatThrownBy(() -> {
            try {
                p.service.handle(request).toCompletableFuture().join();
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause();
            }
        }).isInstanceOf(ParleyException.class).matches(e -> ((ParleyException) e).kind() == kind, kind.toString());
    }
}
