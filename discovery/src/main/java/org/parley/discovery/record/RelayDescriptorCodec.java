package org.parley.discovery.record;

import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.identity.NodeId;
import org.parley.discovery.internal.WireReader;
import org.parley.discovery.internal.WireWriter;
import org.parley.discovery.net.PeerAddress;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Stateless codec for {@link RelayDescriptor}:
 * {@code version u8(=1) | identityKey 32 | onionKey 32 | onionExpires u64 | onionSig 64 |
 * nAddr u8 | addr* | nFamily u8 | nodeId 32 * | bandwidth u32 | flags u8 | verLen u8 | ver}.
 */
public final class RelayDescriptorCodec {
    public static final int FORMAT_VERSION = 1;

    private RelayDescriptorCodec() {
    }

    public static Bytes encode(RelayDescriptor d) {
        WireWriter w = new WireWriter(256);
        w.u8(FORMAT_VERSION).bytes(d.identityKey()).bytes(d.onionKey()).u64(d.onionKeyExpiresAt()).bytes(d.onionKeySignature());
        w.u8(d.addresses().size());
        for (PeerAddress a : d.addresses()) a.encode(w);
        w.u8(d.family().size());
        for (NodeId f : d.family()) w.bytes(f.value());
        w.u32(d.bandwidthKBps()).u8(RelayFlag.toBits(d.flags()));
        byte[] ver = d.softwareVersion().getBytes(StandardCharsets.UTF_8);
        w.u8(ver.length).bytes(ver);
        return w.toBytes();
    }

    public static RelayDescriptor decode(Bytes bytes) {
        try {
            WireReader r = new WireReader(bytes);
            int fmt = r.u8("descriptor format");
            if (fmt != FORMAT_VERSION) throw ParleyException.malformed("unknown descriptor format " + fmt);
            Bytes idKey = r.bytes(32, "identity key");
            Bytes onion = r.bytes(32, "onion key");
            long onionExp = r.u64("onion key expiry");
            Bytes onionSig = r.bytes(64, "onion key signature");
            int nAddr = r.u8("address count");
            if (nAddr > RelayDescriptor.MAX_ADDRESSES) throw ParleyException.malformed("too many addresses: " + nAddr);
            List<PeerAddress> addrs = new ArrayList<>(nAddr);
            for (int i = 0; i < nAddr; i++) addrs.add(PeerAddress.decode(r));
            int nFam = r.u8("family count");
            if (nFam > RelayDescriptor.MAX_FAMILY) throw ParleyException.malformed("family too large: " + nFam);
            List<NodeId> fam = new ArrayList<>(nFam);
            for (int i = 0; i < nFam; i++) fam.add(new NodeId(r.bytes(32, "family member")));
            long bw = r.u32("bandwidth");
            int flags = r.u8("flags");
            int verLen = r.u8("software version length");
            if (verLen > RelayDescriptor.MAX_VERSION_BYTES) throw ParleyException.malformed("software version too long");
            String ver = utf8(r.bytes(verLen, "software version"));
            r.expectEnd("relay descriptor");
            return new RelayDescriptor(idKey, onion, onionExp, onionSig, addrs, fam, bw, RelayFlag.fromBits(flags), ver);
        } catch (ParleyException e) {
            throw e.withContext("decoding relay descriptor");
        }
    }

    private static String utf8(Bytes b) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b.toArray())).toString();
        } catch (CharacterCodingException e) {
            throw ParleyException.malformed("software version is not UTF-8");
        }
    }
}
