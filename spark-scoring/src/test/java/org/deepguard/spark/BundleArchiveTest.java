package org.deepguard.spark;

import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.testing.FolderSnapshot;
import org.deepguard.core.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The zip a cluster run ships the bundle in unpacks into the same bundle (as an executor's addArchive does). */
class BundleArchiveTest {
    @TempDir
    Path tmp;

    @Test
    void unpackedArchiveIsTheSameBundle() throws Exception {
        Path bundle = tmp.resolve("model");
        TinyModels.tinyBundle(bundle, 32, 1);
        Files.createDirectories(bundle.resolve("members/extra"));
        Files.writeString(bundle.resolve("members/extra/note.txt"), "nested files travel too");
        Path zip = BundleArchive.zip(bundle);
        Path unpacked = tmp.resolve("unpacked/model");
        try (InputStream in = Files.newInputStream(zip); ZipInputStream z = new ZipInputStream(in)) {
            for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                assertTrue(!e.getName().startsWith("/") && !e.getName().contains(".."), e.getName());
                Path f = unpacked.resolve(e.getName());
                Files.createDirectories(f.getParent());
                Files.copy(z, f);
            }
        }
        assertEquals(FolderSnapshot.of(bundle), FolderSnapshot.of(unpacked));
        assertEquals(ModelBundle.readMetadata(bundle).modelId, ModelBundle.load(unpacked).metadata().modelId);
    }
}
