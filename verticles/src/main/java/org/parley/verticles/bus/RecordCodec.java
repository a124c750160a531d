package org.parley.verticles.bus;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Event-bus codec for one immutable message record of {@code core.bus}. Locally the record is
 * passed by reference (it cannot change); across cluster members it travels as CBOR.
 */
public final class RecordCodec<T extends Record> implements MessageCodec<T, T> {
    static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory()).findAndRegisterModules();

    private final Class<T> type;

    public RecordCodec(Class<T> type) {
        this.type = type;
    }

    @Override
    public void encodeToWire(Buffer buffer, T value) {
        try {
            byte[] bytes = CBOR.writeValueAsBytes(value);
            buffer.appendInt(bytes.length).appendBytes(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("encoding " + type.getSimpleName(), e);
        }
    }

    @Override
    public T decodeFromWire(int pos, Buffer buffer) {
        int len = buffer.getInt(pos);
        try {
            return CBOR.readValue(buffer.getBytes(pos + 4, pos + 4 + len), type);
        } catch (IOException e) {
            throw new UncheckedIOException("decoding " + type.getSimpleName(), e);
        }
    }

    @Override
    public T transform(T value) {
        return value;
    }

    @Override
    public String name() {
        return "parley." + type.getSimpleName();
    }

    @Override
    public byte systemCodecID() {
        return -1;
    }
}
