package org.qpert.core.backend;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A per-forward arena: while a scope is open on a thread, every tensor a backend creates on that thread is
 * registered with it, and closing the scope closes them all (device memory back to the pool now, not at some later
 * garbage collection), except those handed out with {@link #keep}. Model code opens one scope per public forward,
 * so the many intermediates of a pass need no bookkeeping of their own; a result that outlives the pass (an image's
 * keys and values, a feature tensor) is kept, and moves to the enclosing scope when there is one.
 *
 * <pre>{@code
 * try (TensorScope scope = TensorScope.open()) {
 *     Tensor z = ...;               // intermediates: closed with the scope
 *     return scope.keep(result);    // survives
 * }
 * }</pre>
 * Backends call {@link #track} for each tensor they create (not for weights, which are made at load, outside scopes).
 */
public final class TensorScope implements AutoCloseable {
    private static final ThreadLocal<TensorScope> CURRENT = new ThreadLocal<>();

    private final TensorScope parent;
    private final Thread owner = Thread.currentThread();
    private final Set<Tensor> owned = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<Tensor> order = new ArrayList<>();
    private boolean closed;

    private TensorScope(TensorScope parent) {
        this.parent = parent;
    }

    /** Opens a scope on this thread, nested in the current one if any. */
    public static TensorScope open() {
        TensorScope s = new TensorScope(CURRENT.get());
        CURRENT.set(s);
        return s;
    }

    /** Registers a new tensor with this thread's open scope (none open: the caller owns it). Returns it. */
    public static <T extends Tensor> T track(T t) {
        TensorScope s = CURRENT.get();
        if (s != null && t != null && s.owned.add(t)) {
            s.order.add(t);
        }
        return t;
    }

    /** Takes {@code t} out of this scope so it survives it (into the enclosing scope, if one is open). */
    public <T extends Tensor> T keep(T t) {
        if (t != null && owned.remove(t) && parent != null && parent.owned.add(t)) {
            parent.order.add(t);
        }
        return t;
    }

    /** Closes every tensor still owned, newest first, and makes the enclosing scope current again. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != owner || CURRENT.get() != this) {
            throw new IllegalStateException("tensor scopes must be closed on their thread, innermost first");
        }
        closed = true;
        CURRENT.set(parent);
        for (int i = order.size() - 1; i >= 0; i--) {
            Tensor t = order.get(i);
            if (owned.contains(t)) {
                t.close();
            }
        }
        owned.clear();
        order.clear();
    }
}
