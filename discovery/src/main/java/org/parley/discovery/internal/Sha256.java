package org.parley.discovery.internal;

import org.parley.core.Bytes;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** JDK SHA-256 (SHA-NI intrinsic), one MessageDigest per thread. */
public final class Sha256 {
    private static final ThreadLocal<MessageDigest> MD = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    private Sha256() {
    }

    public static byte[] digest(byte[]... parts) {
        MessageDigest md = MD.get();
        md.reset();
        for (byte[] p : parts) md.update(p);
        return md.digest();
    }

    public static Bytes digest(Bytes... parts) {
        MessageDigest md = MD.get();
        md.reset();
        for (Bytes p : parts) md.update(p.toArray());
        return Bytes.wrap(md.digest());
    }
}
