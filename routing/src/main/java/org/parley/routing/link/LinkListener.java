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

    /** The link is gone (closed by either side or failed). No frames follow. */
    void onLinkClosed(Link link);
}
