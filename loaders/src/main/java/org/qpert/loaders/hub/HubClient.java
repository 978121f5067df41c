package org.qpert.loaders.hub;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.qpert.core.retrieval.Progress;
import org.qpert.loaders.pickle.TorchCheckpoint;
import org.qpert.loaders.safetensors.ShardIndex;

/**
 * Fetches the files of a model that qpert needs from the Hugging Face Hub into the shared Hub cache
 * ({@link HubCache}), speaking the Hub's file protocol as huggingface_hub does:
 * <ol>
 *   <li>{@code GET {endpoint}/api/models/ORG/NAME/revision/REV}: the commit ({@code sha}) and the file list;</li>
 *   <li>{@code HEAD {endpoint}/ORG/NAME/resolve/COMMIT/FILE}: {@code X-Repo-Commit}, and the blob name: the ETag, or
 *   for LFS files the {@code X-Linked-Etag} (their SHA-256) and {@code X-Linked-Size} of the 302 to the CDN;</li>
 *   <li>{@code GET} the same URL, following redirects, with no Authorization header once the host changes; a cut
 *   download resumes with {@code Range} from the {@code .incomplete} file's length.</li>
 * </ol>
 * Only what a model needs is fetched: config, safetensors (or the index and its shards), tokenizer and preprocessor
 * files; never pickled {@code .bin}/{@code .pth} of a transformers repository. An open_clip repository (no
 * {@code config.json}; {@code open_clip_config.json} and/or {@code open_clip_*} weights) gets its config when it has
 * one and {@code open_clip_model.safetensors} or {@code open_clip_pytorch_model.safetensors}; a repository that has
 * only {@code open_clip_pytorch_model.bin} (open_clip's base CoCa repositories) gets that pickle, which is then read
 * by the non-executing {@link TorchCheckpoint} and written beside it in the snapshot as
 * {@code open_clip_pytorch_model.safetensors}. LFS files are checked against their SHA-256 before they enter the
 * cache. Offline ({@code HF_HUB_OFFLINE=1}) only the cache is read.
 */
public final class HubClient {
    private static final System.Logger LOG = System.getLogger(HubClient.class.getName());
    /** Small files a checkpoint folder may hold besides its weights (BLIP-2: BERT vocabulary; OWLv2: CLIP BPE). */
    static final List<String> SIDE_FILES = List.of("config.json", "preprocessor_config.json", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "vocab.txt", "vocab.json",
            "merges.txt");
    static final String SINGLE_FILE = "model.safetensors";
    static final String OPEN_CLIP_CONFIG = "open_clip_config.json";
    /** open_clip's safetensors weights, in the order they are preferred. */
    static final List<String> OPEN_CLIP_WEIGHTS = List.of("open_clip_model.safetensors",
            "open_clip_pytorch_model.safetensors");
    static final String OPEN_CLIP_PICKLE = "open_clip_pytorch_model.bin";
    /** What an open_clip pickle is converted to: a name open_clip's own loader also looks for. */
    static final String OPEN_CLIP_CONVERTED = "open_clip_pytorch_model.safetensors";
    private static final Pattern ETAG = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final int MAX_REDIRECTS = 10;
    /** The repo info lists file names only; a few MB is generous. */
    private static final int MAX_API_BYTES = 16 << 20;

    private final HubSettings settings;
    private final HttpClient http;

    public HubClient(HubSettings settings) {
        this.settings = settings;
        // HTTP/1.1 as huggingface_hub's requests speaks it; redirects handled here to drop the token across hosts.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(settings.timeout()).build();
    }

    /**
     * The snapshot folder holding the model's files at the id's revision, downloading what the cache lacks; offline,
     * the cached snapshot the revision's ref points at.
     */
    public Path snapshot(HubModelId id) throws HubException {
        HubCache cache = new HubCache(settings.cache(), id);
        if (settings.offline()) {
            return cached(id, cache, "HF_HUB_OFFLINE is set");
        }
        try {
            RepoInfo info;
            try {
                info = repoInfo(id);
            } catch (Unreachable e) {
                LOG.log(System.Logger.Level.WARNING, id + ": the Hub is unreachable (" + e.getMessage()
                        + "); trying the cache");
                return cached(id, cache, "the Hub is unreachable: " + e.getMessage());
            }
            List<String> wanted = new ArrayList<>(needed(id, info.files()));
            Map<String, FileMeta> metas = new LinkedHashMap<>();
            for (String f : wanted) {
                if (!Files.exists(cache.snapshot(info.commit()).resolve(f))) {
                    metas.put(f, head(id, info.commit(), f));
                }
            }
            long totalMiB = mebibytes(metas.values().stream().mapToLong(m -> Math.max(0, m.size())).sum());
            Progress progress = Progress.logging("download " + id.repo(), totalMiB, "MiB");
            ByteCounter bytes = new ByteCounter(progress);
            for (Map.Entry<String, FileMeta> e : metas.entrySet()) {
                fetch(id, cache, info.commit(), e.getKey(), e.getValue(), bytes);
            }
            Path index = cache.snapshot(info.commit()).resolve(ShardIndex.FILE_NAME);
            if (wanted.contains(ShardIndex.FILE_NAME)) {
                for (String shard : ShardIndex.read(index).shards()) {
                    if (!info.files().contains(shard)) {
                        throw new HubException(id + ": " + ShardIndex.FILE_NAME + " names shard " + shard
                                + ", which the repository does not hold");
                    }
                    if (!Files.exists(cache.snapshot(info.commit()).resolve(shard))) {
                        fetch(id, cache, info.commit(), shard, head(id, info.commit(), shard), bytes);
                    }
                }
            }
            if (!metas.isEmpty()) {
                progress.advance(Math.max(0, totalMiB - progress.done()));
                progress.finish();
            }
            if (wanted.contains(OPEN_CLIP_PICKLE)) {
                convertPickle(id, cache.snapshot(info.commit()));
            }
            if (!id.revision().equals(info.commit())) {
                cache.writeRef(id.revision(), info.commit());
            }
            return cache.snapshot(info.commit());
        } catch (HubException e) {
            throw e;
        } catch (IOException e) {
            throw new HubException(id + ": " + e.getMessage(), e);
        }
    }

    /** Which of the repository's files a checkpoint folder needs; the shards of an index come after it is read. */
    static List<String> needed(HubModelId id, List<String> files) throws HubException {
        List<String> out = new ArrayList<>();
        for (String f : SIDE_FILES) {
            if (files.contains(f)) {
                out.add(f);
            }
        }
        if (!files.contains("config.json")) {
            if (isOpenClip(files)) {
                return openClipNeeded(id, files, out);
            }
            throw new HubException(id + " has no config.json (nor " + OPEN_CLIP_CONFIG + " or open_clip weights): "
                    + "not a transformers or open_clip model repository");
        }
        if (files.contains(ShardIndex.FILE_NAME)) {
            out.add(ShardIndex.FILE_NAME);
        } else if (files.contains(SINGLE_FILE)) {
            out.add(SINGLE_FILE);
        } else {
            List<String> pickled = files.stream().filter(f -> f.endsWith(".bin") || f.endsWith(".pth")).toList();
            throw new HubException(id + " has no " + SINGLE_FILE + " or " + ShardIndex.FILE_NAME
                    + (pickled.isEmpty() ? "" : " (only pickled " + String.join(", ", pickled)
                    + ", which qpert never loads; convert them to safetensors)"));
        }
        return out;
    }

    private static boolean isOpenClip(List<String> files) {
        return files.contains(OPEN_CLIP_CONFIG) || files.contains(OPEN_CLIP_PICKLE)
                || OPEN_CLIP_WEIGHTS.stream().anyMatch(files::contains);
    }

    private static List<String> openClipNeeded(HubModelId id, List<String> files, List<String> out)
            throws HubException {
        if (files.contains(OPEN_CLIP_CONFIG)) {
            out.add(OPEN_CLIP_CONFIG);
        }
        Optional<String> weights = OPEN_CLIP_WEIGHTS.stream().filter(files::contains).findFirst();
        if (weights.isPresent()) {
            out.add(weights.get());
        } else if (files.contains(OPEN_CLIP_PICKLE)) {
            out.add(OPEN_CLIP_PICKLE);
        } else {
            throw new HubException(id + " has " + OPEN_CLIP_CONFIG + " but no weights qpert reads (one of "
                    + String.join(", ", OPEN_CLIP_WEIGHTS) + ", or " + OPEN_CLIP_PICKLE + ")");
        }
        return out;
    }

    /**
     * Converts a snapshot's {@code open_clip_pytorch_model.bin} to {@code open_clip_pytorch_model.safetensors} beside
     * it, once (a partial result is written aside and renamed).
     */
    static void convertPickle(HubModelId id, Path snapshot) throws HubException {
        Path converted = snapshot.resolve(OPEN_CLIP_CONVERTED);
        if (Files.isRegularFile(converted)) {
            return;
        }
        Path part = snapshot.resolve(OPEN_CLIP_CONVERTED + ".part");
        LOG.log(System.Logger.Level.INFO, id + ": converting " + OPEN_CLIP_PICKLE + " to " + OPEN_CLIP_CONVERTED
                + " (the pickle is read, never executed)");
        try (TorchCheckpoint checkpoint = TorchCheckpoint.open(snapshot.resolve(OPEN_CLIP_PICKLE))) {
            checkpoint.writeSafetensors(part);
            Files.move(part, converted, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | IllegalArgumentException e) {
            throw new HubException(id + ": cannot convert " + OPEN_CLIP_PICKLE + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(part);
            } catch (IOException ignored) {
                // the next conversion overwrites it
            }
        }
    }

    /** The cached snapshot of the revision, when it is complete; otherwise a one-line error saying why. */
    private Path cached(HubModelId id, HubCache cache, String why) throws HubException {
        Optional<String> commit;
        try {
            commit = id.revisionIsCommit() ? Optional.of(id.revision()) : cache.ref(id.revision());
        } catch (IOException e) {
            throw new HubException(id + ": cannot read the cache " + cache.repoDir() + ": " + e.getMessage(), e);
        }
        if (commit.isEmpty()) {
            throw new HubException(id + " is not in the Hub cache " + cache.repoDir() + " (no refs/" + id.revision()
                    + ") and " + why);
        }
        Path snap = cache.snapshot(commit.get());
        List<String> missing = new ArrayList<>();
        if (!Files.isRegularFile(snap.resolve("config.json")) && isOpenClip(filesIn(snap))) {
            if (OPEN_CLIP_WEIGHTS.stream().noneMatch(f -> Files.isRegularFile(snap.resolve(f)))) {
                if (!Files.isRegularFile(snap.resolve(OPEN_CLIP_PICKLE))) {
                    throw new HubException(id + ": the cached snapshot " + snap + " lacks open_clip weights ("
                            + String.join(", ", OPEN_CLIP_WEIGHTS) + " or " + OPEN_CLIP_PICKLE + ") and " + why);
                }
                convertPickle(id, snap);
            }
            return snap;
        }
        if (!Files.isRegularFile(snap.resolve("config.json"))) {
            missing.add("config.json");
        }
        Path index = snap.resolve(ShardIndex.FILE_NAME);
        if (Files.isRegularFile(index)) {
            try {
                ShardIndex.read(index).shards().stream().filter(s -> !Files.isRegularFile(snap.resolve(s)))
                        .forEach(missing::add);
            } catch (IOException e) {
                throw new HubException(id + ": " + e.getMessage(), e);
            }
        } else if (!Files.isRegularFile(snap.resolve(SINGLE_FILE))) {
            missing.add(SINGLE_FILE);
        }
        if (!missing.isEmpty()) {
            throw new HubException(id + ": the cached snapshot " + snap + " lacks " + String.join(", ", missing)
                    + " and " + why);
        }
        return snap;
    }

    private static List<String> filesIn(Path snapshot) {
        List<String> names = new ArrayList<>(OPEN_CLIP_WEIGHTS);
        names.add(OPEN_CLIP_CONFIG);
        names.add(OPEN_CLIP_PICKLE);
        names.removeIf(f -> !Files.isRegularFile(snapshot.resolve(f)));
        return names;
    }

    private record RepoInfo(String commit, List<String> files) {
    }

    private RepoInfo repoInfo(HubModelId id) throws IOException {
        URI uri = URI.create(settings.endpoint() + "/api/models/" + id.repo() + "/revision/"
                + URLEncoder.encode(id.revision(), StandardCharsets.UTF_8));
        String body = withRetries(id + ": file list", () -> {
            HttpResponse<InputStream> r = send(uri, "GET", Map.of(), true);
            try (InputStream in = new IdleTimeoutInputStream(r.body(), settings.timeout())) {
                check(id, r, uri);
                byte[] bytes = in.readNBytes(MAX_API_BYTES + 1);
                if (bytes.length > MAX_API_BYTES) {
                    throw new HubException(id + ": the file list from " + uri + " is over " + MAX_API_BYTES
                            + " bytes");
                }
                return new String(bytes, StandardCharsets.UTF_8);
            }
        });
        try {
            JsonObject o = JsonParser.parseString(body).getAsJsonObject();
            String commit = o.get("sha").getAsString();
            if (!COMMIT.matcher(commit).matches()) {
                throw new HubException(id + ": the Hub answered a commit '" + commit + "' that is not 40 hex digits");
            }
            List<String> files = new ArrayList<>();
            for (JsonElement s : o.getAsJsonArray("siblings")) {
                files.add(s.getAsJsonObject().get("rfilename").getAsString());
            }
            return new RepoInfo(commit, files);
        } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException e) {
            throw new HubException(id + ": unexpected answer from " + uri + " (no 'sha' and 'siblings'): " + e);
        }
    }

    /** What a HEAD on a file says: blob name, size (-1 when unknown), whether it is an LFS file. */
    private record FileMeta(String etag, long size, boolean lfs) {
    }

    private FileMeta head(HubModelId id, String commit, String file) throws IOException {
        URI uri = resolveUri(id, commit, file);
        return withRetries(id + ": " + file, () -> {
            HttpResponse<InputStream> r = send(uri, "HEAD", Map.of(), false);
            r.body().close();
            if (r.statusCode() / 100 != 3) {
                check(id, r, uri);
            }
            Optional<String> repoCommit = r.headers().firstValue("X-Repo-Commit");
            if (repoCommit.isPresent() && !repoCommit.get().equals(commit)) {
                throw new HubException(id + ": " + file + " resolved at commit " + repoCommit.get() + ", not "
                        + commit);
            }
            Optional<String> linked = r.headers().firstValue("X-Linked-Etag");
            String etag = normalizeEtag(linked.or(() -> r.headers().firstValue("ETag")).orElseThrow(
                    () -> new HubException(id + ": the Hub sent no ETag for " + file)));
            if (!ETAG.matcher(etag).matches()) {
                throw new HubException(id + ": ETag '" + etag + "' of " + file + " is not a plain blob name");
            }
            long size = linked.isPresent() ? r.headers().firstValueAsLong("X-Linked-Size").orElse(-1)
                    : r.headers().firstValueAsLong("Content-Length").orElse(-1);
            return new FileMeta(etag, size, linked.isPresent() && SHA256.matcher(etag).matches());
        });
    }

    /** huggingface_hub's normalization: no weak marker, no quotes. */
    static String normalizeEtag(String etag) {
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        return e.replace("\"", "");
    }

    private void fetch(HubModelId id, HubCache cache, String commit, String file, FileMeta meta, ByteCounter bytes)
            throws IOException {
        Path blob = cache.blob(meta.etag());
        if (!complete(blob, meta)) {
            Files.createDirectories(blob.getParent());
            try (HubCache.Held lock = cache.lock(meta.etag())) {
                if (!complete(blob, meta)) {
                    Path part = cache.incomplete(meta.etag());
                    download(id, resolveUri(id, commit, file), file, part, meta.size(), bytes);
                    if (meta.lfs()) {
                        verify(id, file, part, meta.etag());
                    }
                    Files.move(part, blob, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
            }
        } else {
            bytes.add(Math.max(0, meta.size()));
        }
        cache.link(commit, file, meta.etag());
    }

    private static boolean complete(Path blob, FileMeta meta) throws IOException {
        return Files.isRegularFile(blob) && (meta.size() < 0 || Files.size(blob) == meta.size());
    }

    /** GET into {@code part}, resuming from its length after a cut connection, up to the configured attempts. */
    private void download(HubModelId id, URI uri, String file, Path part, long size, ByteCounter bytes)
            throws IOException {
        IOException last = null;
        for (int attempt = 1; attempt <= settings.attempts(); attempt++) {
            if (attempt > 1) {
                pause(attempt);
            }
            long have = Files.exists(part) ? Files.size(part) : 0;
            if (size >= 0 && have > size) {
                Files.delete(part);
                have = 0;
            }
            if (size >= 0 && have == size && have > 0) {
                return;
            }
            try {
                Map<String, String> headers = have > 0 ? Map.of("Range", "bytes=" + have + "-") : Map.of();
                HttpResponse<InputStream> r = send(uri, "GET", headers, true);
                try (InputStream in = new IdleTimeoutInputStream(r.body(), settings.timeout())) {
                    boolean append = r.statusCode() == 206;
                    if (r.statusCode() == 416) {
                        Files.delete(part);
                        throw new IOException("the server refused to resume at byte " + have);
                    }
                    check(id, r, uri);
                    if (have > 0) {
                        long from = append ? have : 0;
                        LOG.log(System.Logger.Level.INFO, () -> id + ": resuming " + file + " at byte " + from);
                    }
                    if (!append) {
                        bytes.add(-have);
                    }
                    try (OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE, append ? StandardOpenOption.APPEND
                                    : StandardOpenOption.TRUNCATE_EXISTING)) {
                        byte[] buf = new byte[1 << 16];
                        for (int n; (n = in.read(buf)) > 0; ) {
                            out.write(buf, 0, n);
                            bytes.add(n);
                        }
                    }
                }
                long got = Files.size(part);
                if (size >= 0 && got != size) {
                    throw new IOException("the connection ended at byte " + got + " of " + size);
                }
                return;
            } catch (HubException e) {
                throw e;
            } catch (IOException e) {
                last = e;
                int a = attempt;
                LOG.log(System.Logger.Level.WARNING, () -> id + ": download of " + file + " cut (" + e.getMessage()
                        + "), attempt " + a + " of " + settings.attempts());
            }
        }
        throw new HubException(id + ": download of " + file + " failed after " + settings.attempts()
                + " attempts (kept " + part + " to resume): " + last.getMessage(), last);
    }

    private static void verify(HubModelId id, String file, Path part, String sha256) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
        try (InputStream in = Files.newInputStream(part)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        String got = HexFormat.of().formatHex(md.digest());
        if (!got.equals(sha256)) {
            Files.delete(part);
            throw new HubException(id + ": " + file + " has SHA-256 " + got + " but the Hub announced " + sha256
                    + "; the download was deleted, run again");
        }
    }

    private URI resolveUri(HubModelId id, String commit, String file) {
        StringBuilder path = new StringBuilder();
        for (String part : file.split("/")) {
            path.append('/').append(URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return URI.create(settings.endpoint() + "/" + id.repo() + "/resolve/" + commit + path);
    }

    /**
     * Sends a request with the token while on the endpoint's host. GET follows every redirect; HEAD follows only
     * redirects on the same host (a renamed repository) and returns the 302 to the CDN, which carries the LFS headers.
     */
    private HttpResponse<InputStream> send(URI uri, String method, Map<String, String> headers, boolean followAll)
            throws IOException {
        URI current = uri;
        boolean sameHost = true;
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(current).timeout(settings.timeout())
                    .header("User-Agent", "qpert; java/" + Runtime.version().feature())
                    .method(method, HttpRequest.BodyPublishers.noBody());
            if (sameHost && settings.token().isPresent()) {
                b.header("Authorization", "Bearer " + settings.token().get());
            }
            headers.forEach(b::header);
            HttpResponse<InputStream> r;
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            } catch (java.net.ConnectException e) {
                throw new Unreachable(current.getHost() + ":" + current.getPort() + " refused the connection", e);
            }
            Optional<String> location = r.headers().firstValue("Location");
            if (r.statusCode() / 100 != 3 || location.isEmpty()) {
                return r;
            }
            URI next = current.resolve(location.get());
            boolean crossing = !authority(next).equals(authority(uri));
            if (!followAll && crossing) {
                return r;
            }
            r.body().close();
            if (hop == MAX_REDIRECTS) {
                throw new IOException("more than " + MAX_REDIRECTS + " redirects from " + uri);
            }
            sameHost &= !crossing;
            current = next;
        }
    }

    private static String authority(URI u) {
        return u.getScheme() + "://" + u.getHost() + ":" + u.getPort();
    }

    /** Throws the one-line error for a status that is not a success; 429 and 5xx as retryable. */
    private void check(HubModelId id, HttpResponse<?> r, URI uri) throws IOException {
        int s = r.statusCode();
        if (s == 200 || s == 206) {
            return;
        }
        if (s == 401 || s == 403) {
            throw new HubException(id + ": the Hub refused access (HTTP " + s + ": a gated or private model, or no such"
                    + " repository); " + (settings.token().isPresent()
                    ? "the token in HF_TOKEN (or $HF_HOME/token) cannot read it"
                    : "set HF_TOKEN to an access token that can read it"));
        }
        if (s == 404) {
            throw new HubException(id + ": not found on " + settings.endpoint() + " (HTTP 404 for " + uri.getPath()
                    + ")");
        }
        if (s == 429 || s / 100 == 5) {
            throw new IOException("HTTP " + s + " from " + uri.getHost());
        }
        throw new HubException(id + ": HTTP " + s + " from " + uri);
    }

    private interface Call<T> {
        T run() throws IOException;
    }

    /** Runs a request, trying again after connection errors, 429 and 5xx; Hub errors and refusals are final. */
    private <T> T withRetries(String what, Call<T> call) throws IOException {
        IOException last = null;
        for (int attempt = 1; attempt <= settings.attempts(); attempt++) {
            if (attempt > 1) {
                pause(attempt);
            }
            try {
                return call.run();
            } catch (HubException e) {
                throw e;
            } catch (IOException e) {
                last = e;
                int a = attempt;
                LOG.log(System.Logger.Level.WARNING, () -> what + ": " + e.getMessage() + " (attempt " + a + " of "
                        + settings.attempts() + ")");
            }
        }
        if (last instanceof Unreachable u) {
            throw u;
        }
        throw new HubException(what + ": failed after " + settings.attempts() + " attempts: " + last.getMessage(),
                last);
    }

    private void pause(int attempt) throws HubException {
        try {
            Thread.sleep(settings.retryPause().toMillis() << Math.min(attempt - 2, 6));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException("interrupted while waiting to retry", e);
        }
    }

    private static long mebibytes(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }

    /** The endpoint could not be reached at all (retried like any cut connection); the cache may still serve. */
    private static final class Unreachable extends IOException {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Bytes received, reported to the progress in whole MiB. */
    private static final class ByteCounter {
        private final Progress progress;
        private long bytes;
        private long reported;

        ByteCounter(Progress progress) {
            this.progress = progress;
        }

        void add(long n) {
            bytes += n;
            long mib = Math.max(0, bytes >> 20);
            if (mib > reported) {
                progress.advance(mib - reported);
                reported = mib;
            }
        }
    }
}
