package org.deepguard.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A model bundle folder as one zip, for {@code SparkContext.addArchive}: Spark refuses to ship a local folder to a
 * cluster, but every executor unpacks an archive into its SparkFiles folder. Entries are relative to the bundle
 * folder, so the unpacked folder is the bundle itself.
 */
final class BundleArchive {
    private BundleArchive() {}

    /** Zips {@code bundle} into a new temporary file (deleted when the driver JVM exits). */
    static Path zip(Path bundle) throws IOException {
        Path dir = Files.createTempDirectory("deepguard-bundle-");
        Path zip = dir.resolve(bundle.getFileName() + ".zip");
        dir.toFile().deleteOnExit();
        zip.toFile().deleteOnExit();
        try (OutputStream file = Files.newOutputStream(zip)) {
            write(bundle, file);
        }
        return zip;
    }

    static void write(Path bundle, OutputStream out) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(bundle)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Path f : files) {
                zip.putNextEntry(new ZipEntry(bundle.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, zip);
                zip.closeEntry();
            }
        }
    }
}
