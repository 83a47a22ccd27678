package org.deepguard.core.train;

import org.deepguard.core.image.DecodedImage;
import org.deepguard.core.image.ImageLoadException;
import org.deepguard.core.preprocess.Preprocessor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiConsumer;

/**
 * Decodes and prepares batches on worker threads while the network trains on the current one, keeping
 * {@code prefetch} batches in flight. Images that fail to load are skipped and reported; the rest of the batch
 * goes on. Records how long the consumer waited for data.
 */
public final class BatchPipeline implements AutoCloseable {
    /** One training example: where it is and its class index (0 real, 1 fake). */
    public record Item(Path path, int label) {}

    /**
     * A prepared batch; {@code items} are the examples that loaded, in order. Training batches hold one view per
     * item; unaugmented batches hold every inference view (all patches under patch voting), {@code views[i]} of them
     * for item i, consecutive, and {@code labels} then has one row per view.
     */
    public record Batch(INDArray features, INDArray labels, List<Item> items, int[] views) {}

    private final Preprocessor preprocessor;
    private final Augmenter augmenter;
    private final ExecutorService pool;
    private final int prefetch;
    private final BiConsumer<Item, ImageLoadException> onFailure;
    private long waitNanos;

    public BatchPipeline(Preprocessor preprocessor, Augmenter augmenter, int workers, int prefetch,
                         BiConsumer<Item, ImageLoadException> onFailure) {
        this.preprocessor = preprocessor;
        this.augmenter = augmenter;
        this.prefetch = Math.max(1, prefetch);
        this.onFailure = onFailure;
        this.pool = Executors.newFixedThreadPool(Math.max(1, workers), r -> {
            Thread t = new Thread(r, "decode");
            t.setDaemon(true);
            return t;
        });
    }

    /** Nanoseconds the consumer has spent blocked waiting for batches. */
    public long waitNanos() {
        return waitNanos;
    }

    /** Batches in the given order with no augmentation (validation, evaluation). */
    public Iterator<Batch> batchesWithoutAugmentation(List<Item> items, int batchSize) {
        return batches(items, batchSize, 0, -1);
    }

    /**
     * Batches over {@code items} in the given order; augmentation streams are keyed by (seed, epoch, position);
     * a negative epoch disables augmentation.
     */
    public Iterator<Batch> batches(List<Item> items, int batchSize, long seed, int epoch) {
        return new Iterator<>() {
            private int nextStart = 0;
            private final ArrayDeque<CompletableFuture<Batch>> inFlight = new ArrayDeque<>();

            private void fill() {
                while (inFlight.size() < prefetch && nextStart < items.size()) {
                    int start = nextStart;
                    int end = Math.min(items.size(), start + batchSize);
                    nextStart = end;
                    List<CompletableFuture<List<float[]>>> parts = new ArrayList<>();
                    for (int i = start; i < end; i++) {
                        int position = i;
                        parts.add(CompletableFuture.supplyAsync(() -> load(items.get(position), seed, epoch, position),
                                pool));
                    }
                    inFlight.add(CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                            .thenApply(v -> assemble(items.subList(start, end), parts)));
                }
            }

            @Override
            public boolean hasNext() {
                fill();
                return !inFlight.isEmpty();
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                long t0 = System.nanoTime();
                Batch b = inFlight.poll().join();
                waitNanos += System.nanoTime() - t0;
                fill();
                return b;
            }
        };
    }

    private List<float[]> load(Item item, long seed, int epoch, int position) {
        try {
            DecodedImage img = preprocessor.decode(item.path());
            BufferedImage rgb = img.rgb();
            if (epoch < 0) {
                return preprocessor.views(rgb);
            }
            SplittableRandom random = Augmenter.streamFor(seed, epoch, position);
            // the patch position gets its own stream, so switching augmentations on or off does not move patches
            SplittableRandom patchRandom = preprocessor.spec().patches() != null ? random.split() : null;
            if (augmenter != null && !augmenter.isIdentity()) {
                rgb = augmenter.apply(rgb, random);
            }
            return List.of(preprocessor.trainingView(rgb, patchRandom));
        } catch (ImageLoadException e) {
            onFailure.accept(item, e);
            return null;
        }
    }

    private Batch assemble(List<Item> items, List<CompletableFuture<List<float[]>>> parts) {
        List<float[]> tensors = new ArrayList<>();
        List<Item> kept = new ArrayList<>();
        List<Integer> views = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            List<float[]> t = parts.get(i).join();
            if (t != null) {
                tensors.addAll(t);
                kept.add(items.get(i));
                views.add(t.size());
            }
        }
        if (kept.isEmpty()) {
            return new Batch(null, null, kept, new int[0]);
        }
        INDArray labels = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, tensors.size(), 2);
        int row = 0;
        for (int i = 0; i < kept.size(); i++) {
            for (int v = 0; v < views.get(i); v++) {
                labels.putScalar(row++, kept.get(i).label(), 1f);
            }
        }
        return new Batch(preprocessor.batch(tensors), labels, kept,
                views.stream().mapToInt(Integer::intValue).toArray());
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
