package org.parley.verticles.cli;

import org.parley.core.ParleyException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** {@code bin/parley}: the one entry point. Exit codes: 0 clean, 1 runtime failure, 2 bad arguments or config. */
@Command(name = "parley",
        mixinStandardHelpOptions = true,
        version = "parley 0.1.0",
        description = "Parley: a decentralized, onion-routed, end-to-end encrypted messenger node.",
        subcommands = {NodeCommand.class, ChatCommand.class, LinkCommand.class, DemoCommand.class, TestnetCommand.class, VectorsCommand.class, CommandLine.HelpCommand.class})
public final class ParleyCli {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    public static void main(String[] args) {
        int code = run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        if (code != NodeCommand.KEEP_RUNNING) System.exit(code);
    }

    /** Runs a command line; returns the exit code (or {@link NodeCommand#KEEP_RUNNING} for a node left running). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new ParleyCli());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof ParleyException pe) {
                commandLine.getErr().println("parley: " + pe.getMessage());
                return pe.kind() == ParleyException.Kind.CONFIG || pe.kind() == ParleyException.Kind.MALFORMED_INPUT
                        ? EXIT_USAGE : EXIT_FAILURE;
            }
            commandLine.getErr().println("parley: internal error: " + ex);
            return EXIT_FAILURE;
        });
        return cl.execute(args);
    }
}
