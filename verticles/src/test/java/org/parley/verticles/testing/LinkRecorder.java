package org.parley.verticles.testing;

import org.parley.core.Bytes;
import org.parley.routing.link.Link;
import org.parley.routing.link.LinkListener;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link LinkListener} that keeps what a transport reported: links opened and closed, frames received. */
public final class LinkRecorder implements LinkListener {
    public final List<Link> opened = new CopyOnWriteArrayList<>();
    public final List<Bytes> frames = new CopyOnWriteArrayList<>();
    public final List<Link> closed = new CopyOnWriteArrayList<>();

    @Override public void onLinkOpened(Link link) { opened.add(link); }
    @Override public void onFrame(Link link, Bytes frame) { frames.add(frame); }
    @Override public void onLinkClosed(Link link) { closed.add(link); }
}
