package org.qpert.loaders.hub;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model repository on the Hugging Face Hub and a revision: {@code ORG/NAME[@REVISION]} (revision {@code main} when
 * left out; a branch, a tag or a 40-hex commit).
 */
public record HubModelId(String repo, String revision) {
    private static final Pattern SPEC = Pattern.compile(
            "([A-Za-z0-9][A-Za-z0-9._-]{0,95})/([A-Za-z0-9][A-Za-z0-9._-]{0,95})(?:@([A-Za-z0-9][A-Za-z0-9._/-]{0,199}))?");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    /** The id when {@code spec} has the form ORG/NAME[@REVISION]; empty otherwise (e.g. a path with more parts). */
    public static Optional<HubModelId> parse(String spec) {
        Matcher m = SPEC.matcher(spec);
        if (!m.matches() || spec.contains("..") || spec.endsWith("/")) {
            return Optional.empty();
        }
        return Optional.of(new HubModelId(m.group(1) + "/" + m.group(2), m.group(3) == null ? "main" : m.group(3)));
    }

    /** The cache folder name huggingface_hub uses: {@code models--ORG--NAME}. */
    public String cacheFolder() {
        return "models--" + repo.replace("/", "--");
    }

    /** Whether the revision already names a commit (then no ref is written or read). */
    public boolean revisionIsCommit() {
        return COMMIT.matcher(revision).matches();
    }

    @Override
    public String toString() {
        return repo + "@" + revision;
    }
}
