package org.deepguard.core.video;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/** Which files the toolkit treats as videos when it walks folders or reads manifests (by extension; content is checked when decoding). */
public final class VideoFiles {
    public static final Set<String> EXTENSIONS = Set.of("mp4", "m4v", "mov", "mkv", "webm", "avi", "mpg", "mpeg",
            "ts", "m2ts", "flv", "wmv", "3gp", "ogv");

    private VideoFiles() {}

    public static boolean isVideo(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot >= 0 && EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
