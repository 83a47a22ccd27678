package org.deepguard.spark;

import org.apache.spark.SparkFiles;

import java.io.Serializable;
import java.nio.file.Path;

/**
 * Where an executor finds the model bundle: a copy shipped with the job (SparkContext.addFile, fetched into the
 * executor's SparkFiles folder), or a local path that every executor can see (a shared mount, or a folder unpacked
 * by spark-submit --archives).
 */
record ModelSource(Kind kind, String location) implements Serializable {
    enum Kind { SHIPPED, DIRECT }

    static ModelSource shipped(String fileName) {
        return new ModelSource(Kind.SHIPPED, fileName);
    }

    static ModelSource direct(String localPath) {
        return new ModelSource(Kind.DIRECT, localPath);
    }

    /** The bundle folder on this executor. */
    Path resolve() {
        return kind == Kind.SHIPPED ? Path.of(SparkFiles.get(location)) : Path.of(location);
    }
}
