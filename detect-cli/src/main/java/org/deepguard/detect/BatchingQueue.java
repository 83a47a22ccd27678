package org.deepguard.detect;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded queue in front of one batching worker (dynamic micro-batching, as serving systems do): callers
 * {@link #submit} an item with a deadline and {@link Ticket#await} its result; the worker takes the oldest waiting
 * item, waits at most {@code maxWait} for more to arrive (never for more than {@code maxBatch}), and hands them to
 * the batch function in one call. Load is shed only in two ways: a full queue refuses at once
 * ({@link Rejected}), and an item still waiting when its deadline passes is taken out ({@link DeadlinePassed}); an
 * item whose batch has started is always answered. {@link #close} refuses new items and finishes the queued ones.
 *
 * @param <I> what callers hand in (e.g. a prepared image)
 * @param <O> the result of one item; the batch function returns one per item, in order
 */
public final class BatchingQueue<I, O> implements AutoCloseable {
    /** Scores a batch: one result per item, in the items' order. A throw fails every item of the batch. */
    @FunctionalInterface
    public interface BatchFunction<I, O> {
        List<O> apply(List<I> items) throws Exception;
    }

    /** What the worker did, for metrics. */
    public interface Listener {
        default void batch(int size, long nanos) {}

        default void expired() {}
    }

    /** The queue refused an item: full, or shutting down. */
    public static final class Rejected extends Exception {
        public enum Reason { FULL, CLOSED }

        private final Reason reason;

        Rejected(Reason reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }
    }

    /** The item was still waiting when its deadline passed; it was taken out and never processed. */
    public static final class DeadlinePassed extends Exception {
        DeadlinePassed(String message) {
            super(message, null, false, false);
        }
    }

    private static final int WAITING = 0;
    private static final int RUNNING = 1;
    private static final int EXPIRED = 2;

    /** A submitted item; {@link #await} gives its result. */
    public final class Ticket {
        private final I item;
        private final long deadline; // System.nanoTime()
        private final CompletableFuture<O> result = new CompletableFuture<>();
        private final AtomicInteger state = new AtomicInteger(WAITING);

        private Ticket(I item, long deadline) {
            this.item = item;
            this.deadline = deadline;
        }

        /**
         * Waits for the result. Until the deadline the item may still be waiting; at the deadline it is taken out
         * of the queue unless its batch has already started, in which case this waits for that batch.
         */
        public O await() throws DeadlinePassed, ExecutionException, InterruptedException {
            long left = deadline - System.nanoTime();
            try {
                return left > 0 || result.isDone() ? result.get(Math.max(0, left), TimeUnit.NANOSECONDS) : timedOut();
            } catch (TimeoutException e) {
                return timedOut();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof DeadlinePassed d) {
                    throw d;
                }
                throw e;
            }
        }

        private O timedOut() throws DeadlinePassed, ExecutionException, InterruptedException {
            if (expire()) {
                lock.lock();
                try {
                    waiting.remove(this);
                } finally {
                    lock.unlock();
                }
                throw new DeadlinePassed("waited longer than the deadline in the queue");
            }
            return result.get(); // its batch has started (or finished): it will be answered
        }

        private boolean expire() {
            if (state.compareAndSet(WAITING, EXPIRED)) {
                listener.expired();
                result.completeExceptionally(new DeadlinePassed("waited longer than the deadline in the queue"));
                return true;
            }
            return false;
        }
    }

    private final int capacity;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final BatchFunction<I, O> function;
    private final Listener listener;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Ticket> waiting = new ArrayDeque<>();
    private final Thread worker;
    private boolean closing;
    private boolean paused;

    /**
     * @param capacity items that may wait at once (those in a running batch do not count)
     * @param maxBatch most items handed to {@code function} at once
     * @param maxWaitNanos how long the worker waits for a batch to fill once an item is waiting (0: take what is
     *                     there)
     */
    public BatchingQueue(String name, int capacity, int maxBatch, long maxWaitNanos, BatchFunction<I, O> function,
                         Listener listener) {
        if (capacity < 1 || maxBatch < 1 || maxWaitNanos < 0) {
            throw new IllegalArgumentException("queue capacity and batch size must be positive, the wait >= 0");
        }
        this.capacity = capacity;
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWaitNanos;
        this.function = function;
        this.listener = listener;
        this.worker = new Thread(this::work, name);
        worker.setDaemon(true);
        worker.start();
    }

    /**
     * Queues {@code item}; it must start before {@code deadline} ({@link System#nanoTime()} scale).
     *
     * @throws Rejected when the queue is full or closing
     */
    public Ticket submit(I item, long deadline) throws Rejected {
        Ticket t = new Ticket(item, deadline);
        lock.lock();
        try {
            if (closing) {
                throw new Rejected(Rejected.Reason.CLOSED, "shutting down");
            }
            if (waiting.size() >= capacity) {
                throw new Rejected(Rejected.Reason.FULL, "the queue is full (" + capacity + " waiting)");
            }
            waiting.addLast(t);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        return t;
    }

    /** Items waiting now (not counting a batch being processed). */
    public int depth() {
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }

    public int capacity() {
        return capacity;
    }

    public int maxBatch() {
        return maxBatch;
    }

    /** Holds the worker before its next batch (tests use it to let items pile up; maintenance could too). */
    void pause() {
        lock.lock();
        try {
            paused = true;
        } finally {
            lock.unlock();
        }
    }

    void resume() {
        lock.lock();
        try {
            paused = false;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Refuses new items, lets the worker finish every queued one, and waits for it (at most {@code timeoutMillis}). */
    public boolean close(long timeoutMillis) throws InterruptedException {
        lock.lock();
        try {
            closing = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        worker.join(timeoutMillis);
        return !worker.isAlive();
    }

    @Override
    public void close() {
        try {
            close(Long.MAX_VALUE / 2_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void work() {
        while (true) {
            List<Ticket> batch;
            try {
                batch = nextBatch();
            } catch (InterruptedException e) {
                return;
            }
            if (batch == null) {
                return;
            }
            if (batch.isEmpty()) {
                continue;
            }
            long t0 = System.nanoTime();
            List<I> items = new ArrayList<>(batch.size());
            for (Ticket t : batch) {
                items.add(t.item);
            }
            try {
                List<O> out = function.apply(items);
                if (out.size() != items.size()) {
                    throw new IllegalStateException("batch function gave " + out.size() + " results for "
                            + items.size() + " items");
                }
                for (int i = 0; i < batch.size(); i++) {
                    batch.get(i).result.complete(out.get(i));
                }
            } catch (Throwable e) {
                for (Ticket t : batch) {
                    t.result.completeExceptionally(e);
                }
            }
            listener.batch(batch.size(), System.nanoTime() - t0);
        }
    }

    /** The next batch (possibly empty when every taken item had expired), or null when closed and drained. */
    private List<Ticket> nextBatch() throws InterruptedException {
        lock.lock();
        try {
            while (paused || (waiting.isEmpty() && !closing)) {
                changed.await();
            }
            if (waiting.isEmpty()) {
                return null; // closing and drained
            }
            // Give the batch up to maxWait to fill, unless shutting down.
            long until = System.nanoTime() + maxWaitNanos;
            long left;
            while (!closing && waiting.size() < maxBatch && (left = until - System.nanoTime()) > 0) {
                changed.awaitNanos(left);
            }
            List<Ticket> batch = new ArrayList<>(Math.min(maxBatch, waiting.size()));
            long now = System.nanoTime();
            while (batch.size() < maxBatch && !waiting.isEmpty()) {
                Ticket t = waiting.pollFirst();
                if (now - t.deadline >= 0) {
                    t.expire();
                } else if (t.state.compareAndSet(WAITING, RUNNING)) {
                    batch.add(t);
                }
            }
            return batch;
        } finally {
            lock.unlock();
        }
    }
}
