package org.qpert.server;

/** The server's routes: exact paths with one method each; anything else is OTHER (404). */
enum Route {
    PAGE("/", "GET"),
    HEALTH("/v1/health", "GET"),
    METRICS("/metrics", "GET"),
    SEARCH("/v1/search", "POST"),
    SEARCH_IMAGE("/v1/search/image", "POST"),
    IMAGES("/v1/images", "POST"),
    THUMBNAIL("/v1/thumbnail", "GET"),
    OTHER("other", "");

    final String path;
    final String method;

    Route(String path, String method) {
        this.path = path;
        this.method = method;
    }

    static Route of(String path) {
        for (Route r : values()) {
            if (r.path.equals(path)) {
                return r;
            }
        }
        return path.equals("/index.html") ? PAGE : OTHER;
    }
}
