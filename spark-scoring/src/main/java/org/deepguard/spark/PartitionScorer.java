package org.deepguard.spark;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.security.AccessControlException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.deepguard.core.image.ImageLoadException;
import org.deepguard.core.image.ImageLoader;
import org.deepguard.core.image.ImageProblem;
import org.deepguard.core.model.BundleException;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.Prediction;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Scores one partition: loads the bundle once, then reads, decodes and preprocesses images a batch at a time (the
 * same {@link Detector} and preprocessing as 'detect') and runs one forward pass per batch. An image that cannot be
 * used becomes a row with its {@link ImageProblem} code; it never fails the task. Output order is input order.
 */
final class PartitionScorer implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final ModelSource model;
    private final HadoopConf hadoop;
    private final int batchSize;
    private final Double threshold;

    PartitionScorer(ModelSource model, HadoopConf hadoop, int batchSize, Double threshold) {
        this.model = model;
        this.hadoop = hadoop;
        this.batchSize = batchSize;
        this.threshold = threshold;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) throws BundleException {
        if (!input.hasNext()) {
            return input; // no rows: don't pay for loading the model
        }
        ModelBundle bundle = ModelBundle.load(model.resolve());
        Detector detector = threshold == null ? new Detector(bundle) : new Detector(bundle, threshold);
        String modelId = bundle.metadata().modelId;
        return new Iterator<>() {
            private final ArrayDeque<Row> ready = new ArrayDeque<>();

            @Override
            public boolean hasNext() {
                if (ready.isEmpty() && input.hasNext()) {
                    scoreBatch(input, detector, modelId, ready);
                }
                return !ready.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.poll();
            }
        };
    }

    private void scoreBatch(Iterator<Row> input, Detector detector, String modelId, ArrayDeque<Row> sink) {
        List<Row> rows = new ArrayList<>(batchSize);
        List<Object> tensorsOrErrors = new ArrayList<>(batchSize);
        List<Detector.PreparedImage> tensors = new ArrayList<>(batchSize);
        while (rows.size() < batchSize && input.hasNext()) {
            Row r = input.next();
            rows.add(r);
            try {
                Detector.PreparedImage t = detector.prepare(read(r.getString(0)).rgb());
                tensors.add(t);
                tensorsOrErrors.add(t);
            } catch (ImageLoadException e) {
                tensorsOrErrors.add(e);
            }
        }
        List<Prediction> predictions = tensors.isEmpty() ? List.of() : detector.predictPrepared(tensors);
        int next = 0;
        for (int i = 0; i < rows.size(); i++) {
            String path = rows.get(i).getString(0);
            String truth = rows.get(i).isNullAt(1) ? null : rows.get(i).getString(1);
            if (tensorsOrErrors.get(i) instanceof ImageLoadException e) {
                sink.add(RowFactory.create(path, null, null, detector.threshold(), modelId, e.problem().code(),
                        e.getMessage(), truth));
            } else {
                Prediction p = predictions.get(next++);
                sink.add(RowFactory.create(path, p.verdict().label(), p.pFake(), p.threshold(), modelId, null, null,
                        truth));
            }
        }
    }

    /** Reads the file through Hadoop (any cluster file system), then decodes it exactly as ImageLoader.load does. */
    private org.deepguard.core.image.DecodedImage read(String path) throws ImageLoadException {
        ImageLoader.Limits limits = ImageLoader.Limits.DEFAULT;
        byte[] bytes;
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
            FileSystem fs = p.getFileSystem(hadoop.get());
            FileStatus st = fs.getFileStatus(p);
            if (st.isDirectory()) {
                throw new ImageLoadException(path, ImageProblem.NOT_AN_IMAGE, "is a directory");
            }
            if (st.getLen() > limits.maxFileBytes()) {
                throw new ImageLoadException(path, ImageProblem.TOO_LARGE, st.getLen() + " bytes > "
                        + limits.maxFileBytes());
            }
            try (FSDataInputStream in = fs.open(p)) {
                bytes = in.readAllBytes();
            }
        } catch (FileNotFoundException e) {
            throw new ImageLoadException(path, ImageProblem.MISSING, null);
        } catch (AccessControlException e) {
            throw new ImageLoadException(path, ImageProblem.UNREADABLE, "permission denied");
        } catch (IOException | IllegalArgumentException e) {
            throw new ImageLoadException(path, ImageProblem.UNREADABLE, e.getMessage());
        }
        return ImageLoader.decode(bytes, path, limits);
    }
}
