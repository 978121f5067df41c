package org.qpert.server;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.qpert.core.model.ModelCard;
import org.qpert.core.model.PerturbationSite;
import org.qpert.core.qpert.Box;
import org.qpert.engine.CaptionIndex;
import org.qpert.engine.GalleryImage;
import org.qpert.engine.GalleryIndex;
import org.qpert.engine.Rerank;
import org.qpert.engine.StoredImage;

/**
 * qpert as an HTTP service over one store: JSON search by text ({@code POST /v1/search}) and by image
 * ({@code POST /v1/search/image}), adding images ({@code POST /v1/images}), {@code GET /v1/health}, Prometheus
 * {@code GET /metrics}, thumbnails of stored images and the search page at {@code /}. Model work goes through a bounded
 * worker pool (503 when workers and queue are full); bodies are size-limited (413); bad input is a JSON 400 and never
 * takes the server down. {@link #close()} drains: new requests get 503, running ones finish (writes always), then the
 * socket closes. The caller owns (and closes afterwards) the engine and the store behind the indexes.
 */
public final class QPertServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(QPertServer.class.getName());
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
    private static final int MAX_TEXT = 1000;
    private static final int MAX_BOXES = 64;
    private static final int MAX_CAPTIONS = 1000;

    private final GalleryIndex gallery;
    private final CaptionIndex captions;
    private final ServerOptions options;
    private final HttpServer http;
    private final ThreadPoolExecutor executor;
    private final Admission admission;
    private final Metrics metrics = new Metrics();
    private final Thumbnails thumbnails;
    private final Path uploads;
    private final byte[] page;
    private final ReentrantReadWriteLock writes = new ReentrantReadWriteLock();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object drained = new Object();
    private volatile boolean closing;

    private QPertServer(GalleryIndex gallery, CaptionIndex captions, ServerOptions options) throws IOException {
        this.gallery = gallery;
        this.captions = captions;
        this.options = options;
        this.admission = new Admission(options.workers(), options.queue());
        this.thumbnails = new Thumbnails(options.maxImagePixels());
        this.uploads = gallery.store().dir().resolve("images");
        try (InputStream in = QPertServer.class.getResourceAsStream("index.html")) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks the search page org/qpert/server/index.html");
            }
            this.page = in.readAllBytes();
        }
        // Threads enough for every admitted request to wait in the queue, plus a few that answer health, metrics,
        // thumbnails and the 503s of a burst without waiting behind model work.
        int threads = options.workers() + options.queue() + 4;
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "qpert-http-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        this.http = listen(options.host(), options.port());
        http.createContext("/", this::handle);
        http.setExecutor(executor);
    }

    /** The HTTP server bound to {@code host:port}; an address it cannot listen on is refused naming both. */
    private static HttpServer listen(String host, int port) throws IOException {
        InetSocketAddress address = new InetSocketAddress(host, port);
        String where = "cannot listen on host " + host + " port " + port + ": ";
        if (address.isUnresolved()) {
            throw new IllegalArgumentException(where + "no such address (neither an IP address nor a name this machine "
                    + "resolves)");
        }
        try {
            return HttpServer.create(address, 128);
        } catch (java.net.BindException e) {
            String reason = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
            throw new IllegalArgumentException(where + (reason.contains("in use")
                    ? "the port is in use (another qpert serve or another program: pick another port)"
                    : reason.contains("assign") ? "the address is not one of this machine's" : reason), e);
        }
    }

    /**
     * Starts serving {@code gallery}; image searches without their own captions use {@code captions} (may be null).
     * Uploaded images are kept in the store's {@code images/} folder. An image sent without boxes gets the boxes of
     * the engine's detector when it has one ({@code ModelEngine.Detection}), else none.
     */
    public static QPertServer start(GalleryIndex gallery, CaptionIndex captions, ServerOptions options)
            throws IOException {
        QPertServer s = new QPertServer(gallery, captions, options);
        s.http.start();
        // The one start line, for `qpert serve` and a service alike: the CLI prints none of its own.
        LOG.log(System.Logger.Level.INFO, "qpert serve: http://" + options.host() + ":" + s.port() + "/ ("
                + gallery.size() + " images, ITC " + gallery.itcSource() + (s.hasDetector() ? ", detector" : "")
                + ", " + options.workers() + " workers, queue " + options.queue() + ")");
        return s;
    }

    public int port() {
        return http.getAddress().getPort();
    }

    private void handle(HttpExchange ex) {
        long start = System.nanoTime();
        Route route = Route.of(ex.getRequestURI().getPath());
        String method = ex.getRequestMethod();
        metrics.started();
        inFlight.incrementAndGet();
        int status = 500;
        try {
            if (route == Route.OTHER) {
                throw new HttpError(404, "no route " + ex.getRequestURI().getPath());
            }
            if (!route.method.equals(method)) {
                ex.getResponseHeaders().set("Allow", route.method);
                throw new HttpError(405, route.path + " takes " + route.method + ", not " + method);
            }
            status = switch (route) {
                case PAGE -> send(ex, 200, "text/html; charset=utf-8", page);
                case HEALTH -> json(ex, 200, health());
                case METRICS -> send(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
                        metrics.prometheus(gallery::size).getBytes(StandardCharsets.UTF_8));
                case SEARCH -> json(ex, 200, searchText(JsonRequest.parse(body(ex))));
                case SEARCH_IMAGE -> json(ex, 200, searchImage(JsonRequest.parse(body(ex))));
                case IMAGES -> json(ex, 201, addImage(JsonRequest.parse(body(ex))));
                case THUMBNAIL -> thumbnail(ex);
                case OTHER -> throw new IllegalStateException();
            };
        } catch (HttpError e) {
            status = error(ex, e.status, e.getMessage());
        } catch (GalleryIndex.DuplicateIdException e) {
            status = error(ex, 409, e.getMessage());
        } catch (IllegalArgumentException e) {
            status = error(ex, 400, e.getMessage());
        } catch (Exception | OutOfMemoryError | StackOverflowError e) {
            LOG.log(System.Logger.Level.WARNING, method + " " + ex.getRequestURI() + " failed", e);
            status = error(ex, 500, "internal error: " + e);
        } finally {
            ex.close();
            metrics.finished(route == Route.OTHER ? "other" : route.path, method, status, System.nanoTime() - start);
            if (inFlight.decrementAndGet() == 0) {
                synchronized (drained) {
                    drained.notifyAll();
                }
            }
        }
    }

    private JsonObject health() {
        JsonObject o = new JsonObject();
        o.addProperty("status", closing ? "closing" : "ok");
        o.addProperty("images", gallery.size());
        o.addProperty("qpert", gallery.engine().perturbs());
        o.addProperty("captions", captions == null ? 0 : captions.captions().size());
        o.addProperty("detector", hasDetector());
        o.addProperty("itc", gallery.itcSource());
        o.addProperty("family", gallery.engine().card().family());
        o.add("capabilities", capabilities());
        JsonObject settings = new JsonObject();
        gallery.engine().storeSettings().forEach(settings::addProperty);
        o.add("settings", settings);
        return o;
    }

    /** What the model and store can do, so a client (the search page) offers only what applies. */
    private JsonObject capabilities() {
        ModelCard card = gallery.engine().card();
        JsonObject c = new JsonObject();
        c.addProperty("vectors_per_image", card.queries());
        c.addProperty("width", card.width());
        c.addProperty("similarity", card.similarity().name().toLowerCase(java.util.Locale.ROOT));
        c.addProperty("pair_scorer", card.pairScorer());
        c.addProperty("rerank", gallery.canRerank());
        JsonArray sites = new JsonArray();
        for (PerturbationSite site : card.sites()) {
            JsonObject j = new JsonObject();
            j.addProperty("name", site.name());
            j.addProperty("heads", site.heads());
            j.addProperty("head_dim", site.headDim());
            sites.add(j);
        }
        c.add("perturbation_sites", sites);
        return c;
    }

    private JsonObject searchText(JsonRequest r) throws Exception {
        String text = r.text("text", MAX_TEXT);
        int top = r.integer("top", 10, 1, options.maxTop());
        // A model without a pair scorer, or a store without Z (--store-z none), ranks by ITC alone unless asked
        // otherwise (then a 400 says why).
        int rerank = r.integer("rerank", gallery.canRerank() ? 16 : 0, 0, options.maxRerank());
        boolean qpert = r.bool("qpert", gallery.engine().perturbs());
        long t0 = System.nanoTime();
        List<GalleryIndex.Result> hits = modelWork(() -> gallery.searchText(text, top, rerank, qpert));
        JsonObject o = new JsonObject();
        o.addProperty("text", text);
        o.addProperty("qpert", qpert);
        o.addProperty("rerank", rerank);
        o.addProperty("images", gallery.size());
        o.addProperty("took_ms", (System.nanoTime() - t0) / 1e6);
        JsonArray list = new JsonArray();
        for (int i = 0; i < hits.size(); i++) {
            GalleryIndex.Result h = hits.get(i);
            JsonObject j = new JsonObject();
            j.addProperty("rank", i + 1);
            j.addProperty("id", h.id());
            j.addProperty("score", h.score());
            j.addProperty("itc", h.itc());
            j.addProperty("itm", h.itm());
            j.addProperty("width", h.image().width());
            j.addProperty("height", h.image().height());
            j.add("boxes", boxes(h.image().boxes()));
            j.addProperty("thumbnail", "/v1/thumbnail?id=" + URLEncoder.encode(h.id(), StandardCharsets.UTF_8));
            list.add(j);
        }
        o.add("results", list);
        return o;
    }

    private JsonObject searchImage(JsonRequest r) throws Exception {
        byte[] image = r.base64("image");
        UploadedImage u = UploadedImage.inspect(image, options.maxImagePixels());
        List<Box> given = r.boxes("boxes", MAX_BOXES);
        boolean detect = detect(r);
        int top = r.integer("top", 10, 1, options.maxTop());
        int rerank = r.integer("rerank", Rerank.possible(gallery.engine(), null) ? 16 : 0, 0, options.maxRerank());
        boolean qpert = r.bool("qpert", gallery.engine().perturbs());
        List<String> own = r.has("captions") ? r.strings("captions", MAX_CAPTIONS, MAX_TEXT) : null;
        if (own == null && captions == null) {
            throw new HttpError(400, "no captions to search: send \"captions\" or start the server with --captions");
        }
        Path tmp = Files.createTempFile("qpert-query-", "." + u.extension());
        try {
            Files.write(tmp, image);
            long t0 = System.nanoTime();
            List<Box> boxes = new java.util.ArrayList<>();
            List<CaptionIndex.Result> hits = modelWork(() -> {
                boxes.addAll(detect ? gallery.engine().withBoxes(new GalleryImage("query", tmp, List.of(), false))
                        .boxes() : given);
                return (own != null ? CaptionIndex.of(gallery.engine(), own) : captions).search(tmp, boxes, top,
                        rerank, qpert);
            });
            JsonObject o = new JsonObject();
            o.addProperty("qpert", qpert);
            o.add("boxes", boxes(boxes));
            o.addProperty("rerank", rerank);
            o.addProperty("took_ms", (System.nanoTime() - t0) / 1e6);
            JsonArray list = new JsonArray();
            for (int i = 0; i < hits.size(); i++) {
                CaptionIndex.Result h = hits.get(i);
                JsonObject j = new JsonObject();
                j.addProperty("rank", i + 1);
                j.addProperty("index", h.index());
                j.addProperty("caption", h.caption());
                j.addProperty("score", h.score());
                j.addProperty("itc", h.itc());
                j.addProperty("itm", h.itm());
                list.add(j);
            }
            o.add("results", list);
            return o;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private JsonObject addImage(JsonRequest r) throws Exception {
        String id = r.text("id", 256);
        if (id.chars().anyMatch(Character::isISOControl)) {
            throw new HttpError(400, "\"id\" must not contain control characters");
        }
        boolean detect = detect(r);
        byte[] image = r.base64("image");
        UploadedImage u = UploadedImage.inspect(image, options.maxImagePixels());
        List<Box> given = r.boxes("boxes", MAX_BOXES);
        boolean annotated = r.has("boxes");
        writes.readLock().lock();
        try {
            if (closing) {
                throw new HttpError(503, "server is shutting down");
            }
            if (gallery.contains(id)) {
                throw new HttpError(409, "image id '" + id + "' is already in the store");
            }
            Files.createDirectories(uploads);
            Path file = uploads.resolve(fileName(id, u.extension()));
            Path tmp = uploads.resolve(file.getFileName() + ".tmp");
            Files.write(tmp, image);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            StoredImage m;
            try {
                m = modelWork(() -> gallery.add(id, file, given, annotated));
            } catch (Exception | Error e) {
                Files.deleteIfExists(file);
                throw e;
            }
            JsonObject o = new JsonObject();
            o.addProperty("id", id);
            o.addProperty("width", m.width());
            o.addProperty("height", m.height());
            o.add("boxes", boxes(m.boxes()));
            o.addProperty("detected", detect);
            o.addProperty("images", gallery.size());
            return o;
        } finally {
            writes.readLock().unlock();
        }
    }

    /** Images sent without boxes get detected ones when the engine has a detector. */
    private boolean detect(JsonRequest r) {
        return !r.has("boxes") && hasDetector();
    }

    private boolean hasDetector() {
        return gallery.engine().detects(new GalleryImage("probe", Path.of("probe"), List.of(), false));
    }

    private int thumbnail(HttpExchange ex) throws IOException {
        String query = ex.getRequestURI().getRawQuery();
        String id = null;
        for (String part : query == null ? new String[0] : query.split("&")) {
            if (part.startsWith("id=")) {
                id = URLDecoder.decode(part.substring(3), StandardCharsets.UTF_8);
            }
        }
        if (id == null || !gallery.contains(id)) {
            throw new HttpError(404, id == null ? "missing ?id=" : "no image '" + id + "' in the store");
        }
        ex.getResponseHeaders().set("Cache-Control", "max-age=3600");
        return send(ex, 200, "image/jpeg", thumbnails.of(id, gallery.image(id).file()));
    }

    /** Model work in the bounded pool; refused with 503 once closing. */
    private <T> T modelWork(java.util.concurrent.Callable<T> work) throws Exception {
        if (closing) {
            throw new HttpError(503, "server is shutting down");
        }
        return admission.run(work);
    }

    private byte[] body(HttpExchange ex) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        long max = options.maxBodyBytes();
        if (length != null) {
            long n;
            try {
                n = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw new HttpError(400, "Content-Length '" + length + "' is not a number");
            }
            if (n > max) {
                throw new HttpError(413, "request body of " + n + " bytes is larger than the limit of " + max);
            }
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (b.length > max) {
                throw new HttpError(413, "request body is larger than the limit of " + max + " bytes");
            }
            return b;
        }
    }

    private static JsonArray boxes(List<Box> boxes) {
        JsonArray list = new JsonArray();
        for (Box b : boxes) {
            JsonArray a = new JsonArray();
            a.add(b.x0());
            a.add(b.y0());
            a.add(b.x1());
            a.add(b.y1());
            list.add(a);
        }
        return list;
    }

    /** A readable, collision-free file name for an id: its safe characters, then a hash of the whole id. */
    static String fileName(String id, String extension) {
        String safe = id.replaceAll("[^A-Za-z0-9._-]", "_");
        safe = safe.substring(0, Math.min(80, safe.length()));
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            return safe + "-" + HexFormat.of().formatHex(h, 0, 6) + "." + extension;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private int json(HttpExchange ex, int status, JsonObject body) throws IOException {
        return send(ex, status, "application/json; charset=utf-8", GSON.toJson(body).getBytes(StandardCharsets.UTF_8));
    }

    private int error(HttpExchange ex, int status, String message) {
        JsonObject o = new JsonObject();
        o.addProperty("error", message == null ? "error" : message);
        o.addProperty("status", status);
        if (status == 503) {
            ex.getResponseHeaders().set("Retry-After", "1");
        }
        if (status == 413) {
            ex.getResponseHeaders().set("Connection", "close");
        }
        try {
            return json(ex, status, o);
        } catch (IOException | RuntimeException e) {
            return status; // the client went away, or the response had started: nothing more to tell it
        }
    }

    private static int send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            ex.getResponseBody().write(body);
        }
        return status;
    }

    /**
     * Graceful stop: new requests get 503; running ones get up to the drain time; every accepted write finishes and
     * is on disk (the store is flushed per write) before this returns; then the socket and threads close.
     */
    @Override
    public void close() {
        closing = true;
        long deadline = System.nanoTime() + options.drain().toNanos();
        synchronized (drained) {
            while (inFlight.get() > 0 && System.nanoTime() < deadline) {
                try {
                    drained.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        writes.writeLock().lock();
        try {
            http.stop(0);
            executor.shutdown();
            try {
                executor.awaitTermination(options.drain().toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } finally {
            writes.writeLock().unlock();
        }
        LOG.log(System.Logger.Level.INFO, "qpert serve: stopped (" + gallery.size() + " images)");
    }
}
