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
    /**
     * One example: where it is, its class index (0 real, 1 fake), and how its image is made from the file: as
     * decoded, or a pseudo-fake through {@code simulator}, then optionally a random draw of {@code degrader}'s
     * degradation chain (validation and cue copies; training batches use the pipeline's augmenter instead).
     * {@code variant} tells copies of one file apart.
     */
    public record Item(Path path, int label, ArtifactSimulator simulator, Degrader degrader, int variant) {
        public Item(Path path, int label) {
            this(path, label, null, null, 0);
        }

        /** Stable key of this example's random streams: its file, whether it is simulated, its variant. */
        public long key() {
            return Augmenter.imageKey(path) * 31 + variant * 0x632BE59BD9B4E019L
                    + (simulator != null ? 0x5DEECE66DL : 0) + (degrader != null ? 0x2545F4914F6CDD1DL : 0);
        }

        /**
         * This example's image from the decoded file: simulated (a fresh draw per epoch; {@code epoch} -1 for a
         * fixed one), then degraded. Deterministic in (seed, epoch, key).
         */
        public BufferedImage render(BufferedImage decoded, long seed, int epoch) {
            BufferedImage out = decoded;
            if (simulator != null) {
                out = simulator.apply(out, Augmenter.streamFor(seed ^ 0x51A7L, epoch, key()));
            }
            if (degrader != null) {
                out = degrader.degrade(out, Augmenter.streamFor(seed ^ 0xDE6AL, epoch, key()));
            }
            return out;
        }
    }

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
     * Batches over {@code items} in the given order; augmentation streams are keyed by (seed, epoch, example key);
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
                        parts.add(CompletableFuture.supplyAsync(() -> load(items.get(position), seed, epoch),
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

    private List<float[]> load(Item item, long seed, int epoch) {
        try {
            DecodedImage img = preprocessor.decode(item.path());
            BufferedImage rgb = item.render(img.rgb(), seed, epoch);
            if (epoch < 0) {
                return preprocessor.views(rgb);
            }
            // keyed by the example, not its position, so an image's augmentation does not depend on the shuffle
            SplittableRandom random = Augmenter.streamFor(seed, epoch, item.key());
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
