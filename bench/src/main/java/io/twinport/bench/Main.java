package io.twinport.bench;

/** Placeholder. */
public final class Main {
    private Main() {
    }

    /** @param args ignored */
    public static void main(String[] args) {
        System.out.println("twinport");
    }
}
