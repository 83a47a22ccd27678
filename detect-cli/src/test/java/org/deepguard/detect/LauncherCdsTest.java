package org.deepguard.detect;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The {@code detect} launcher's class-data-sharing archive (dist/src/bin/detect): recorded by the first scoring run,
 * used by the next, and never able to break a run when it is damaged, foreign or from an earlier build. Runs the
 * real launcher scripts in a temporary install whose lib/ holds one small jar with a stand-in main class, so each
 * JVM starts in well under a second.
 */
class LauncherCdsTest {
    private static final Path BIN = Path.of("..", "dist", "src", "bin");

    @TempDir
    Path install;

    private Path cds;

    @BeforeEach
    void install() throws Exception {
        assumeTrue(Files.isRegularFile(BIN.resolve("detect")) && Files.isExecutable(Path.of("/bin/bash")));
        Path bin = Files.createDirectories(install.resolve("bin"));
        for (String f : new String[] {"detect", ".launch"}) {
            Files.copy(BIN.resolve(f), bin.resolve(f));
            bin.resolve(f).toFile().setExecutable(true);
        }
        writeJar("v1");
        cds = install.resolve("cds");
    }

    /** lib/app.jar with org.deepguard.detect.DetectCommand printing its arguments and a version tag. */
    private void writeJar(String version) throws IOException {
        Path src = Files.createDirectories(install.resolve("src-" + version + "/org/deepguard/detect"));
        Files.writeString(src.resolve("DetectCommand.java"), "package org.deepguard.detect;\n"
                + "public class DetectCommand { public static void main(String[] a) {\n"
                + "  System.out.println(\"" + version + " scored \" + String.join(\" \", a)\n"
                + "      + \" \" + new java.util.TreeMap<>(java.util.Map.of(\"k\", 1))); } }\n");
        Path classes = Files.createDirectories(install.resolve("classes-" + version));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assumeTrue(javac != null, "needs a JDK");
        assertEquals(0, javac.run(null, null, null, "-d", classes.toString(),
                src.resolve("DetectCommand.java").toString()));
        Path lib = Files.createDirectories(install.resolve("lib"));
        Path tmp = lib.resolve("app.jar.tmp");
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(tmp))) {
            jar.putNextEntry(new JarEntry("org/deepguard/detect/DetectCommand.class"));
            jar.write(Files.readAllBytes(classes.resolve("org/deepguard/detect/DetectCommand.class")));
            jar.closeEntry();
        }
        Files.move(tmp, lib.resolve("app.jar"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private record Run(int rc, String out, String err) {}

    private Run detect(String javaOpts, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/bin/bash", install.resolve("bin/detect").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("XDG_CACHE_HOME", install.resolve("cache").toString());
        pb.environment().remove("DEEPGUARD_CDS");
        if (javaOpts != null) {
            pb.environment().put("JAVA_OPTS", javaOpts);
        } else {
            pb.environment().remove("JAVA_OPTS");
        }
        Path out = install.resolve("out.txt");
        Path err = install.resolve("err.txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "launcher finished");
        return new Run(p.exitValue(), Files.readString(out).trim(), Files.readString(err).trim());
    }

    private List<Path> archives() throws IOException {
        if (!Files.isDirectory(cds)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(cds)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jsa")).sorted().toList();
        }
    }

    private void assertScored(Run r, String version) {
        assertEquals(0, r.rc(), r.err());
        assertEquals(version + " scored --image x.png {k=1}", r.out());
        assertFalse(r.err().contains("fatal error") || r.err().contains("Exception"), r.err());
    }

    @Test
    void firstScoringRunRecordsAndTheNextMapsIt() throws Exception {
        Run help = detect(null, "--version");
        assertEquals(0, help.rc(), help.err());
        assertTrue(archives().isEmpty(), "--version records nothing");

        assertScored(detect(null, "--image", "x.png"), "v1");
        List<Path> recorded = archives();
        assertEquals(1, recorded.size());
        Path jsa = recorded.get(0);
        assertTrue(Files.isRegularFile(Path.of(jsa + ".stamp")), "stamp written beside the archive");

        Run mapped = detect("-Xlog:class+load=info", "--image", "x.png");
        assertEquals(0, mapped.rc(), mapped.err());
        assertTrue(mapped.out().lines().anyMatch(l -> l.contains("org.deepguard.detect.DetectCommand")
                && l.contains("shared objects file")), "the stand-in main class comes from the archive");
        assertEquals(List.of(jsa), archives(), "no second recording");
    }

    @Test
    void truncatedArchiveIsDroppedAndRecordedAgain() throws Exception {
        assertScored(detect(null, "--image", "x.png"), "v1");
        Path jsa = archives().get(0);
        byte[] whole = Files.readAllBytes(jsa);
        jsa.toFile().setWritable(true);
        Files.write(jsa, java.util.Arrays.copyOf(whole, whole.length / 3)); // mapped as is, this is a SIGBUS
        assertScored(detect(null, "--image", "x.png"), "v1");
        assertEquals(List.of(jsa), archives());
        assertEquals(whole.length, Files.size(jsa), "recorded again in full");
        assertScored(detect(null, "--image", "x.png"), "v1");
    }

    @Test
    void archiveChangedInPlaceIsNeverMapped() throws Exception {
        assertScored(detect(null, "--image", "x.png"), "v1");
        Path jsa = archives().get(0);
        byte[] bytes = Files.readAllBytes(jsa);
        for (int i = bytes.length / 2; i < bytes.length / 2 + 4096; i++) {
            bytes[i] ^= 0x5a;
        }
        jsa.toFile().setWritable(true);
        Files.write(jsa, bytes);
        Files.setLastModifiedTime(jsa, FileTime.fromMillis(System.currentTimeMillis() + 5000)); // mtime moves
        assertScored(detect(null, "--image", "x.png"), "v1");
        byte[] again = Files.readAllBytes(archives().get(0));
        assertFalse(java.util.Arrays.equals(bytes, again), "the damaged archive was replaced");
    }

    @Test
    void foreignArchiveWithAValidStampIsRefusedSilently() throws Exception {
        assertScored(detect(null, "--image", "x.png"), "v1");
        Path jsa = archives().get(0);
        jsa.toFile().setWritable(true);
        byte[] junk = new byte[200_000];
        new java.util.Random(1).nextBytes(junk);
        Files.write(jsa, junk);
        ProcessBuilder stat = new ProcessBuilder("stat", "-c", "%s %Y", jsa.toString());
        Process p = stat.start();
        String stamp = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor());
        try (OutputStream o = Files.newOutputStream(Path.of(jsa + ".stamp"))) {
            o.write((stamp + "\n").getBytes(StandardCharsets.UTF_8));
        }
        // the stamp matches, so the JVM itself sees the archive, refuses it (-Xshare:auto) and runs without it
        assertScored(detect(null, "--image", "x.png"), "v1");
        assertArrayEquals(junk, Files.readAllBytes(jsa));
    }

    @Test
    void rebuildMakesANewArchive() throws Exception {
        assertScored(detect(null, "--image", "x.png"), "v1");
        Path old = archives().get(0);
        writeJar("v2");
        Files.setLastModifiedTime(install.resolve("lib/app.jar"), FileTime.fromMillis(System.currentTimeMillis()
                + 10_000));
        assertScored(detect(null, "--image", "x.png"), "v2");
        List<Path> now = archives();
        assertEquals(1, now.size());
        assertNotEquals(old, now.get(0), "keyed by the jars: the old build's archive is gone");
        assertScored(detect(null, "--image", "x.png"), "v2");
    }
    /**
     * The detect launcher reads jars as plain jars ({@code -Djdk.util.jar.enableMultiRelease=false}), which is only
     * safe while no jar on the class path needs its META-INF/versions classes. jackson-core's versioned classes are
     * faster number parsers for Java 11+ whose Java 8 base classes give the same results. A new dependency with
     * versioned classes makes this fail: check its base classes work, then list it here or drop the option.
     */
    @Test
    void onlyKnownJarsShipVersionedClasses() throws Exception {
        List<String> reviewed = List.of("jackson-core-");
        List<String> unexpected = new ArrayList<>();
        int multiRelease = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!entry.endsWith(".jar") || !Files.isRegularFile(Path.of(entry))) {
                continue;
            }
            String name = Path.of(entry).getFileName().toString();
            try (java.util.jar.JarFile jar = new java.util.jar.JarFile(entry)) {
                if (!jar.isMultiRelease()) {
                    continue;
                }
                multiRelease++;
                boolean versioned = jar.stream().map(JarEntry::getName).anyMatch(n -> n.startsWith("META-INF/versions/")
                        && n.endsWith(".class") && !n.endsWith("module-info.class"));
                if (versioned && reviewed.stream().noneMatch(name::startsWith) && !testOnly(entry)) {
                    unexpected.add(name);
                }
            }
        }
        assertTrue(multiRelease > 0, "the class path has multi-release jars to look at");
        assertEquals(List.of(), unexpected, "jars whose META-INF/versions classes the detect launcher ignores");
    }

    /** Test-scoped dependencies never reach dist/lib (browser tests, JUnit). */
    private static boolean testOnly(String jarPath) {
        String p = jarPath.replace('\\', '/');
        return p.contains("/org/seleniumhq/") || p.contains("/org/junit/") || p.contains("/net/bytebuddy/")
                || p.contains("/io/opentelemetry/") || p.contains("/org/apache/maven/");
    }
}
