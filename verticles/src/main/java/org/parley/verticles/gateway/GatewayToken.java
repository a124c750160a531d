package org.parley.verticles.gateway;

import org.parley.core.ParleyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The gateway's bearer token: 32 random bytes, base64url without padding, kept in
 * {@code <data-dir>/gateway.token} (mode 0600), created at first start. Whoever can read that
 * file can use the node's gateway; nothing else is needed.
 */
public final class GatewayToken {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayToken.class);
    public static final String FILE_NAME = "gateway.token";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final byte[] value;

    private GatewayToken(String value) {
        this.value = value.getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads the token file in {@code dataDir}, creating it (0600) when absent. Blocking. */
    public static GatewayToken loadOrCreate(Path dataDir, SecureRandom random) {
        Path file = dataDir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dataDir);
            if (!Files.exists(file)) {
                byte[] raw = new byte[32];
                random.nextBytes(raw);
                String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
                try {
                    create(file, token);
                    LOG.info("created gateway token file {}", file);
                    return new GatewayToken(token);
                } catch (FileAlreadyExistsException raced) {
                    // another start created it first: read theirs
                }
            }
            return read(file);
        } catch (IOException e) {
            throw new ParleyException(ParleyException.Kind.CONFIG,
                    "cannot create or read the gateway token " + file + ": " + e.getMessage() + "; check the data dir's permissions", e);
        }
    }

    /** Reads an existing token file (what clients such as {@code parley chat --token-file} do). */
    public static GatewayToken read(Path file) {
        try {
            String token = Files.readString(file, StandardCharsets.US_ASCII).trim();
            if (!token.matches("[A-Za-z0-9_-]{16,256}")) {
                throw ParleyException.malformed("the gateway token file " + file + " does not hold a base64url token; delete it to get a new one");
            }
            warnIfReadableByOthers(file);
            return new GatewayToken(token);
        } catch (IOException e) {
            throw new ParleyException(ParleyException.Kind.CONFIG, "cannot read the gateway token " + file + ": " + e.getMessage(), e);
        }
    }

    private static void create(Path file, String token) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(file);
        }
        Files.writeString(file, token + "\n", StandardCharsets.US_ASCII);
    }

    private static void warnIfReadableByOthers(Path file) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            if (!OWNER_ONLY.containsAll(p)) {
                LOG.warn("gateway token file {} is readable by others ({}); chmod 600 it", file, PosixFilePermissions.toString(p));
            }
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system: nothing to check
        }
    }

    /** The token as clients send it. */
    public String value() {
        return new String(value, StandardCharsets.US_ASCII);
    }

    /** Constant-time comparison with what a client presented. */
    public boolean matches(String presented) {
        if (presented == null) return false;
        return MessageDigest.isEqual(value, presented.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public String toString() {
        return "GatewayToken[redacted]";
    }
}
