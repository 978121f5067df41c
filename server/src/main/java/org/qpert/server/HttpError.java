package org.qpert.server;

/** A request that ends with a given HTTP status and a one-line JSON error (never a stack trace to the client). */
final class HttpError extends RuntimeException {
    final int status;

    HttpError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }
}
