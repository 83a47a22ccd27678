package org.deepguard.core.train;

import com.fasterxml.jackson.databind.JsonNode;
import org.deepguard.core.io.Json;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The launchers set glibc malloc tunables (transparent huge pages, a 4 MiB mmap threshold: {@code GLIBC_TUNABLES} in
 * dist/src/bin/.launch; issue 21: a training step spent about a third of its CPU time in page faults). That is a
 * memory-layout setting only: training with it must give the same loss and parameters as without. Two child JVMs run
 * {@link TinyTrainingRun}, one with the launcher's tunables and one without any.
 */
class HugePageAllocatorTest {
    private static final Path LAUNCH = Path.of("..", "dist", "src", "bin", ".launch");

    @Test
    void trainingIsIdenticalWithAndWithoutTheLaunchersMallocTunables() throws Exception {
        assumeTrue(Files.isRegularFile(LAUNCH), "needs the launcher sources");
        String tunables = launcherTunables();
        assertTrue(tunables.contains("glibc.malloc.hugetlb=1"), "launcher sets " + tunables);

        JsonNode plain = run(null);
        JsonNode huge = run(tunables);
        assertEquals("null", plain.get("tunables").asText());
        assertEquals(tunables, huge.get("tunables").asText(), "the child saw the tunables");

        // The comparison can fail: the steps moved the loss.
        assertTrue(Math.abs(plain.get("loss").asDouble() - plain.get("loss0").asDouble()) > 1e-4,
                "training changed the loss: " + plain);
        assertEquals(plain.get("loss0").asDouble(), huge.get("loss0").asDouble(), 1e-5);
        assertEquals(plain.get("loss").asDouble(), huge.get("loss").asDouble(), 1e-5);
        JsonNode a = plain.get("params");
        JsonNode b = huge.get("params");
        assertTrue(a.size() > 100, "parameters: " + a.size());
        assertEquals(a.size(), b.size());
        double worst = 0;
        for (int i = 0; i < a.size(); i++) {
            worst = Math.max(worst, Math.abs(a.get(i).asDouble() - b.get(i).asDouble()));
        }
        assertEquals(0.0, worst, 1e-5, "largest parameter difference");
    }

    /** The value .launch exports, with the user's own GLIBC_TUNABLES unset. */
    private static String launcherTunables() throws Exception {
        Process p = new ProcessBuilder("/bin/bash", "-c",
                "unset GLIBC_TUNABLES DEEPGUARD_HUGEPAGES; source <(sed -n '/^# BEGIN malloc/,/^# END malloc/p' \"$1\");"
                        + " printf %s \"${GLIBC_TUNABLES:-}\"", "bash", LAUNCH.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        Matcher m = Pattern.compile("glibc\\.malloc\\.[a-z_.]+=\\w+").matcher(out);
        assertTrue(m.find(), "no malloc tunable in .launch: '" + out + "'");
        return out.trim();
    }

    private static JsonNode run(String tunables) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), TinyTrainingRun.class.getName(), "4"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("GLIBC_TUNABLES");
        if (tunables != null) {
            pb.environment().put("GLIBC_TUNABLES", tunables);
        }
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child finished");
        assertEquals(0, p.exitValue(), out);
        String line = out.lines().filter(l -> l.startsWith("{")).reduce((x, y) -> y).orElseThrow(
                () -> new AssertionError("no JSON line from the child: " + out));
        return Json.MAPPER.readTree(line);
    }
}
