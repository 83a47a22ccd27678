package org.deepguard.core.data;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How {@code dataset scan} fills the manifest's {@code group} column, i.e. what counts as one source that must never
 * sit on both sides of a split or a cross-validation fold. Whatever the rule, near-duplicate clusters are merged
 * into it afterwards (see {@link NearDuplicates#group}), so a re-encoded copy stays with its original.
 */
public enum GroupRule {
    /** Only near-duplicate clusters group images; every other image is its own group. */
    NEAR_DUPLICATE,
    /**
     * The file-name stem before a trailing {@code _NNN} (digits): {@code face_clm-kim_074.png} and
     * {@code face_clm-kim_075.png} are crops of one source photo, group {@code face_clm-kim}. A stem without such a
     * suffix is its own group. Folders are ignored, so a real photo and the fakes made from it share a group.
     */
    PREFIX,
    /**
     * The parent folder relative to the scanned root, e.g. {@code real/person_17} (frames of one video or photos of
     * one person per folder). An image directly inside a label or split folder ({@code real/x.png},
     * {@code train/fake/x.png}) is its own group: those folders name a class, not a source.
     */
    FOLDER;

    private static final Pattern NUMBER_SUFFIX = Pattern.compile("_\\d+$");

    public String code() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses {@code near-duplicate}, {@code prefix} or {@code folder} (underscores and case are ignored). */
    public static GroupRule parse(String s) {
        String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (GroupRule r : values()) {
            if (r.code().equals(v)) {
                return r;
            }
        }
        throw new IllegalArgumentException("group rule must be near-duplicate, prefix or folder, got '" + s + "'");
    }

    /**
     * The group of an image by this rule, or "" when the image is its own group.
     *
     * @param path          the manifest path, relative to the scanned root ('/' or the platform separator)
     * @param layoutFolders lower-case folder names that name a label or a split (they never name a source)
     */
    public String groupOf(String path, Set<String> layoutFolders) {
        String p = path.replace('\\', '/');
        int slash = p.lastIndexOf('/');
        return switch (this) {
            case NEAR_DUPLICATE -> "";
            case PREFIX -> {
                String name = p.substring(slash + 1);
                int dot = name.lastIndexOf('.');
                String stem = dot > 0 ? name.substring(0, dot) : name;
                var m = NUMBER_SUFFIX.matcher(stem);
                yield m.find() && m.start() > 0 ? safe(stem.substring(0, m.start())) : "";
            }
            case FOLDER -> {
                if (slash <= 0) {
                    yield "";
                }
                String parent = p.substring(0, slash);
                String last = parent.substring(parent.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
                yield layoutFolders.contains(last) ? "" : safe(parent);
            }
        };
    }

    /** Assigns every row its group by this rule (NEAR_DUPLICATE leaves the rows as they are). */
    public java.util.List<ManifestEntry> apply(java.util.List<ManifestEntry> rows, Set<String> layoutFolders) {
        if (this == NEAR_DUPLICATE) {
            return rows;
        }
        return rows.stream().map(e -> e.withGroup(groupOf(e.path(), layoutFolders))).toList();
    }

    /** Names starting with our cluster prefix would be taken for stale clusters and recomputed: keep them apart. */
    private static String safe(String group) {
        return group.startsWith(NearDuplicates.GROUP_PREFIX) ? "g-" + group : group;
    }
}
