package org.parley.delivery.service;

import org.junit.jupiter.api.Test;
import org.parley.core.Bytes;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.DeliveryMessage.AttachmentView;
import org.parley.core.bus.DeliveryMessage.MessageView;

import java.security.MessageDigest;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.delivery.service.AttachmentServiceTest.reply;
import static org.parley.delivery.service.AttachmentServiceTest.upload;
import static org.parley.delivery.service.MultiDeviceTest.listed;

/**
 * Attachments in synced history: a newly linked device lists the attachments of the messages its
 * primary synced — name, type, size, digest — as "not synced" (the files stay on the devices that
 * have them), for sent and received messages alike.
 */
class SyncedAttachmentsTest {
    @Test
    void aNewDeviceListsTheAttachmentsOfSyncedMessagesAsNotSynced() throws Exception {
        MultiDeviceTest.World w = MultiDeviceTest.world(61, 1, 0, 0);
        Bytes photo = AttachmentServiceTest.file(70_000, 3), doc = AttachmentServiceTest.file(1_234, 4);
        AttachmentView up = upload(w.phone(), photo, "photo.jpg");
        reply(w.phone().service, new DeliveryMessage.SendAttachments(w.bobAtAlice(), "a photo", List.of(up.attachmentId())),
                DeliveryMessage.MessageReply.class);
        w.net().clock.advance(1_000); // bob's comes later: the conversation's order is fixed
        AttachmentView upBob = upload(w.bob(), doc, "notes.txt");
        reply(w.bob().service, new DeliveryMessage.SendAttachments(w.aliceAtBob(), "", List.of(upBob.attachmentId())),
                DeliveryMessage.MessageReply.class);
        assertThat(w.net().runUntil(() -> AttachmentServiceTest.status(w.bob(), w.aliceAtBob()).equals("received")
                && AttachmentServiceTest.status(w.phone(), w.bobAtAlice()).equals("received"), 120_000)).isTrue();

        MultiDeviceTest.link(w, 5);
        List<MessageView> atLaptop = listed(w.laptop(), w.bobAtAlice());
        assertThat(atLaptop).extracting(MessageView::text).containsExactly("bob chat 0", "a photo", "");
        assertThat(atLaptop.get(0).attachments()).isEmpty(); // a plain text stays one
        AttachmentView sent = atLaptop.get(1).attachments().get(0), received = atLaptop.get(2).attachments().get(0);
        assertThat(atLaptop.get(1).direction()).isEqualTo("out");
        assertThat(atLaptop.get(2).direction()).isEqualTo("in");
        assertThat(sent.name()).isEqualTo("photo.jpg");
        assertThat(sent.size()).isEqualTo(photo.length());
        assertThat(sent.status()).isEqualTo("not synced");
        assertThat(sent.attachmentId()).isEqualTo("synced-" + sha256(photo));
        assertThat(received.name()).isEqualTo("notes.txt");
        assertThat(received.mime()).isEqualTo("application/octet-stream");
        assertThat(received.size()).isEqualTo(doc.length());
        assertThat(received.status()).isEqualTo("not synced");
        assertThat(received.attachmentId()).isEqualTo("synced-" + sha256(doc));
        // not downloadable here
        assertThatThrownBy(() -> reply(w.laptop().service, new DeliveryMessage.ReadAttachmentChunk(received.attachmentId(), 0),
                DeliveryMessage.AttachmentChunk.class)).hasMessageContaining("no attachment");
        // the same after a restart of the laptop (the metadata is stored with the message)
        w.laptop().service.stop();
        w.net().start(w.laptop(), DeliveryServiceTest.fast("alice"), 161);
        assertThat(listed(w.laptop(), w.bobAtAlice()).get(2).attachments()).containsExactly(received);
    }

    private static String sha256(Bytes b) throws Exception {
        return Bytes.wrap(MessageDigest.getInstance("SHA-256").digest(b.toArray())).hex();
    }
}
