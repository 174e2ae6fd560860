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
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The fdloop command line: {@code fdloop tour}, {@code watch}, {@code monitor}, {@code signals},
 * {@code device}, {@code race}, {@code mq}, {@code dnotify}, {@code bench}, {@code help} and {@code generate-completion}.
 *
 * <p>Exit codes, for every command: 0 when it did its work, also when a stop signal (SIGINT,
 * SIGTERM, SIGHUP) ended it or the reader of its standard output went away; 1 when it could not
 * (a path that does not exist, a regular file given to monitor, a kernel limit; a tour stop that
 * failed); 2 for a command line it cannot use (an unknown option, backend or signal name). An
 * error is one line on stderr that names the input and says what to do.
 */
@Command(
        name = "fdloop",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Linux's fd-based events on the JVM: shows every mechanism working, watches files, devices and signals.")
public final class Main {
    /** The commands, in the order the usage lists them. */
    private static final List<Class<?>> COMMANDS = List.of(TourCommand.class, WatchCommand.class, MonitorCommand.class,
            SignalsCommand.class, DeviceCommand.class, SerialCommand.class, InputCommand.class, GpioCommand.class,
            RaceCommand.class, MqCommand.class, DnotifyCommand.class, BenchCommand.class, HelpCommand.class, CompletionCommand.class);

    /** The command did its work, or was ended by a stop signal or a closed standard output. */
    static final int OK = 0;
    /** The command could not do its work: the error is on stderr. */
    static final int FAILED = 1;
    /** The command line cannot be used: the error is on stderr, with how to get help. */
    static final int USAGE = 2;

    public static void main(String[] args) {
        // UTF-8 whatever the locale: file names and JSON are printed as UTF-8
        PrintWriter out = new PrintWriter(new OutputStreamWriter(new StandardOutput(), StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true);
        int code;
        try {
            code = commandLine(out, err, args).execute(args);
            out.flush();
        } catch (StandardOutput.ReaderGone e) {
            code = OK; // the reader went away (| head -1): a quiet end, as SIGPIPE would be
        }
        err.flush();
        System.exit(code);
    }

    /**
     * The command line for {@code args}: when they start with a command's name, the model of that command
     * alone (picocli reads every option of every command it is given, through reflection, at a cost of
     * some 0.3 s at start); else, for the usage, help, completion and errors, every command.
     */
    static CommandLine commandLine(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        Class<?> named = args.length == 0 ? null : COMMANDS.stream()
                .filter(c -> c != HelpCommand.class && c != CompletionCommand.class)
                .filter(c -> c.getAnnotation(Command.class).name().equals(args[0])).findFirst().orElse(null);
        for (Class<?> command : COMMANDS) {
            if (named == null || command == named) {
                cli.addSubcommand(command);
            }
        }
        cli.setOut(out).setErr(err); // after the commands: picocli sets them on those it has
        cli.setParameterExceptionHandler(Main::usageError);
        cli.setExecutionExceptionHandler(Main::failure);
        cli.registerConverter(java.nio.file.Path.class, new PathConverter());
        Map<String, String> exitCodes = new LinkedHashMap<>();
        exitCodes.put("0", "done; also when a stop signal ended it, or the reader of its output went away");
        exitCodes.put("1", "failed: a path that does not exist, a file of the wrong kind, a kernel limit");
        exitCodes.put("2", "a command line it cannot use: unknown option, backend or signal, a bad value");
        document(cli, exitCodes);
        return cli;
    }

    /** Each command's help lists the exit codes and the stop signals. */
    private static void document(CommandLine cli, Map<String, String> exitCodes) {
        cli.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(exitCodes)
                .footerHeading("%nStop signals:%n").footer(
                        "  SIGINT (Ctrl-C), SIGTERM and SIGHUP (a closed terminal) stop a command cleanly: it prints its summary,",
                        "  removes what it made (files, child processes) and exits 0. A signal the process ignores (nohup's",
                        "  SIGHUP) stays ignored. When the reader of the output goes away (| head -1), the command ends at once,",
                        "  quietly, with exit 0.");
        for (CommandLine sub : cli.getSubcommands().values()) {
            document(sub, exitCodes);
        }
    }

    /** picocli's words for a value its converter refused, for an option or a positional parameter. */
    private static final Pattern INVALID_VALUE =
            Pattern.compile("Invalid value for (?:option '([^']+)'|positional parameter at index \\S+ \\((\\S+)\\)): (.*)", Pattern.DOTALL);

    /** An option or argument that cannot be used: one line that names it and says where help is. */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        err.println(Json.printable(name + ": " + usageMessage(e) + "; see '" + name + " --help'"));
        err.flush();
        return USAGE;
    }

    /** picocli's message, in the words of the rest: an unknown command or option, an unexpected argument. */
    private static String usageMessage(CommandLine.ParameterException e) {
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
            String arg = unmatched.getUnmatched().getFirst();
            CommandLine cmd = e.getCommandLine();
            if (arg.startsWith("-") && arg.length() > 1) {
                return "unknown option '" + arg + "'";
            }
            if (cmd.getCommandSpec().parent() == null) {
                return "unknown command '" + arg + "': the commands are " + String.join(", ", cmd.getSubcommands().keySet());
            }
            return "unexpected argument '" + arg + "'";
        }
        if (e.getMessage().startsWith("Missing required subcommand")) {
            return "no command given: use one of " + String.join(", ", e.getCommandLine().getSubcommands().keySet());
        }
        // "Invalid value for option '--backend': unknown backend..." -> "--backend: unknown backend..."
        Matcher invalid = INVALID_VALUE.matcher(e.getMessage());
        if (invalid.matches()) {
            return (invalid.group(1) != null ? invalid.group(1) : invalid.group(2)) + ": " + invalid.group(3);
        }
        return e.getMessage().startsWith("Error: ") ? e.getMessage().substring("Error: ".length()) : e.getMessage();
    }

    /** A command that failed: one line saying why; a stack trace only for what was not foreseen. */
    private static int failure(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        switch (e) {
            case StandardOutput.ReaderGone _ -> {
                return OK; // the reader went away: nothing to say, to no one
            }
            case CommandLine.ParameterException usage -> {
                return usageError(usage, parsed.originalArgs().toArray(String[]::new));
            }
            case FileSystemException fs -> err.println(Json.printable(name + ": " + describe(fs)));
            case Failure _, IllegalArgumentException _, IllegalStateException _, IOException _ ->
                    err.println(Json.printable(name + ": " + e.getMessage()));
            default -> {
                err.println(Json.printable(name + ": unexpected " + e));
                e.printStackTrace(err);
            }
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
        if ("Too many open files".equals(reason)) {
            reason += " (EMFILE): the process is out of file descriptors; raise the limit with ulimit -n";
        }
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
