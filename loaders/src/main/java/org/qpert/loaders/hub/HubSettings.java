package org.qpert.loaders.hub;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where and how models are fetched, read from the same environment variables as huggingface_hub so both share one
 * cache and one token: {@code HF_ENDPOINT}, {@code HF_HUB_CACHE} (else {@code $HF_HOME/hub}, else
 * {@code ~/.cache/huggingface/hub}), {@code HF_TOKEN} (else the file {@code $HF_HOME/token}), {@code HF_HUB_OFFLINE}.
 *
 * @param timeout    limit on connecting, on waiting for a response's headers, and on a body's silence: a transfer
 *                   that receives no byte for this long is cut and resumed like a dropped connection
 * @param attempts   tries per request before giving up (a cut download resumes where it stopped)
 * @param retryPause pause before the second try; doubled for each further one
 */
public record HubSettings(URI endpoint, Path cache, Optional<String> token, boolean offline, Duration timeout,
        int attempts, Duration retryPause) {
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    /** huggingface_hub's reading of a boolean variable. */
    private static final Set<String> TRUE = Set.of("1", "ON", "YES", "TRUE");

    public HubSettings {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be >= 1, got " + attempts);
        }
    }

    /** The settings of this process's environment. */
    public static HubSettings fromEnvironment() {
        return from(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /** The settings an environment gives, for a user whose home folder is {@code home}. */
    public static HubSettings from(Map<String, String> env, Path home) {
        Path hfHome = value(env, "HF_HOME").map(Path::of).orElseGet(() -> value(env, "XDG_CACHE_HOME")
                .map(x -> Path.of(x, "huggingface")).orElse(home.resolve(".cache").resolve("huggingface")));
        Path cache = value(env, "HF_HUB_CACHE").or(() -> value(env, "HUGGINGFACE_HUB_CACHE")).map(Path::of)
                .orElse(hfHome.resolve("hub"));
        Optional<String> token = value(env, "HF_TOKEN").or(() -> value(env, "HUGGING_FACE_HUB_TOKEN"))
                .or(() -> tokenFile(value(env, "HF_TOKEN_PATH").map(Path::of).orElse(hfHome.resolve("token"))));
        String endpoint = value(env, "HF_ENDPOINT").orElse(DEFAULT_ENDPOINT);
        boolean offline = value(env, "HF_HUB_OFFLINE").map(v -> TRUE.contains(v.toUpperCase(Locale.ROOT)))
                .orElse(false);
        return new HubSettings(URI.create(endpoint.replaceAll("/+$", "")), cache, token, offline,
                Duration.ofSeconds(30), 5, Duration.ofSeconds(1));
    }

    public HubSettings withCache(Path dir) {
        return new HubSettings(endpoint, dir, token, offline, timeout, attempts, retryPause);
    }

    public HubSettings withEndpoint(URI uri) {
        return new HubSettings(uri, cache, token, offline, timeout, attempts, retryPause);
    }

    public HubSettings withToken(String t) {
        return new HubSettings(endpoint, cache, Optional.ofNullable(t), offline, timeout, attempts, retryPause);
    }

    public HubSettings withOffline(boolean on) {
        return new HubSettings(endpoint, cache, token, on, timeout, attempts, retryPause);
    }

    public HubSettings withRetries(int tries, Duration pause, Duration requestTimeout) {
        return new HubSettings(endpoint, cache, token, offline, requestTimeout, tries, pause);
    }

    /** Never prints the token. */
    @Override
    public String toString() {
        return "HubSettings[endpoint=" + endpoint + ", cache=" + cache + ", token=" + (token.isPresent() ? "set" : "none")
                + ", offline=" + offline + "]";
    }

    private static Optional<String> value(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::strip).filter(v -> !v.isEmpty());
    }

    private static Optional<String> tokenFile(Path file) {
        try {
            return Files.isRegularFile(file) ? Optional.of(Files.readString(file, StandardCharsets.UTF_8).strip())
                    .filter(t -> !t.isEmpty()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
