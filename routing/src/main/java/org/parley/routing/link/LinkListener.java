package org.parley.routing.link;

import org.parley.core.Bytes;

/**
 * What a {@link Transport} calls into the routing layer. All calls for one node come on one
 * thread (the routing event loop), never concurrently, in the order events happened on a link.
 */
public interface LinkListener {
    /** A link is up (incoming or outgoing), before any of its frames. */
    void onLinkOpened(Link link);

    /** One frame as received; may be garbage, the routing layer decodes and validates it. */
    void onFrame(Link link, Bytes frame);

    /**
     * The same as {@link #onFrame(Link, Bytes)} for a frame whose array the listener now owns (the
     * transport made it for this call and does not touch it again): a listener may use it without
     * a copy. The default wraps it.
     */
    default void onFrame(Link link, byte[] frame) {
        onFrame(link, Bytes.wrap(frame));
    }

    /** The link is gone (closed by either side or failed). No frames follow. */
    void onLinkClosed(Link link);
}
