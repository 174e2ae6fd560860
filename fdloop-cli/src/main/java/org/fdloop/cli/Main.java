package org.fdloop.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The fdloop command line: {@code fdloop tour}, {@code watch}, {@code monitor}, {@code signals},
 * and {@code generate-completion} for a shell's completion script.
 *
 * <p>Exit codes, for every command: 0 when it did its work (also when Ctrl-C or SIGTERM ended
 * it), 1 when it could not (a path that does not exist, a regular file given to monitor, a
 * kernel limit; a tour stop that failed), 2 for a command line it cannot use (an unknown option,
 * backend or signal name). Errors are one line on stderr; usage errors add how to get help.
 */
@Command(
        name = "fdloop",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Linux's fd-based events on the JVM: shows every mechanism working, watches files, devices and signals.",
        subcommands = {TourCommand.class, WatchCommand.class, MonitorCommand.class, SignalsCommand.class, DeviceCommand.class, BenchCommand.class,
            AutoComplete.GenerateCompletion.class, CommandLine.HelpCommand.class})
public final class Main {
    /** The command did its work, or was ended by Ctrl-C or SIGTERM. */
    static final int OK = 0;
    /** The command could not do its work: the error is on stderr. */
    static final int FAILED = 1;
    /** The command line cannot be used: the error is on stderr, with how to get help. */
    static final int USAGE = 2;

    public static void main(String[] args) {
        // UTF-8 whatever the locale: file names and JSON are printed as UTF-8
        PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true);
        int code = commandLine(out, err).execute(args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Main()).setOut(out).setErr(err);
        cli.setParameterExceptionHandler(Main::usageError);
        cli.setExecutionExceptionHandler(Main::failure);
        Map<String, String> exitCodes = new LinkedHashMap<>();
        exitCodes.put("0", "done (also when ended by Ctrl-C or SIGTERM)");
        exitCodes.put("1", "failed: a path that does not exist, a file of the wrong kind, a kernel limit");
        exitCodes.put("2", "a command line it cannot use: unknown option, backend or signal");
        setExitCodes(cli, exitCodes);
        CommandLine gen = cli.getSubcommands().get("generate-completion");
        if (gen != null) {
            gen.getCommandSpec().usageMessage().hidden(false)
                    .description("Print a bash/zsh completion script for fdloop: source <(fdloop generate-completion)");
        }
        return cli;
    }

    private static void setExitCodes(CommandLine cli, Map<String, String> codes) {
        cli.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(codes);
        for (CommandLine sub : cli.getSubcommands().values()) {
            setExitCodes(sub, codes);
        }
    }

    /** An option or argument that cannot be used: one line, and how to get help. */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + e.getMessage());
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
        err.flush();
        return USAGE;
    }

    /** A command that failed: one line saying why; a stack trace only for what was not foreseen. */
    private static int failure(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        if (e instanceof CommandLine.ParameterException usage) {
            return usageError(usage, parsed.originalArgs().toArray(String[]::new));
        }
        if (e instanceof FileSystemException fs) {
            err.println(name + ": " + describe(fs));
        } else if (e instanceof Failure || e instanceof IllegalArgumentException || e instanceof IllegalStateException
                || e instanceof IOException) {
            err.println(name + ": " + e.getMessage());
        } else {
            err.println(name + ": unexpected " + e);
            e.printStackTrace(err);
        }
        err.flush();
        return FAILED;
    }

    /**
     * The file and why it failed: the JDK's message for a NoSuchFileException is only the path
     * ("/proc/nope"), so the reason is named from the exception's type when it carries none.
     */
    private static String describe(FileSystemException e) {
        String reason = e.getReason() != null ? e.getReason() : switch (e) {
            case NoSuchFileException _ -> "no such file or directory";
            case AccessDeniedException _ -> "permission denied";
            case FileAlreadyExistsException _ -> "already exists";
            case NotDirectoryException _ -> "not a directory";
            default -> null;
        };
        if (e.getFile() == null || reason == null) {
            return e.getMessage();
        }
        return e.getFile() + (e.getOtherFile() != null ? " -> " + e.getOtherFile() : "") + ": " + reason;
    }

    /** A command could not do its work, for a reason the message states in full. */
    static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getModule().getDescriptor() != null
                    ? Main.class.getModule().getDescriptor().rawVersion().orElse("dev")
                    : "dev";
            return new String[] {"fdloop " + v, "JVM " + Runtime.version() + " on " + System.getProperty("os.arch")};
        }
    }
}
