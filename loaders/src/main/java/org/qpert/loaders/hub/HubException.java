package org.qpert.loaders.hub;

import java.io.IOException;

/** A model could not be fetched from the Hub or found in its cache; the message is one line for the user. */
public final class HubException extends IOException {
    public HubException(String message) {
        super(message);
    }

    public HubException(String message, Throwable cause) {
        super(message, cause);
    }
}
