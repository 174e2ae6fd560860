/** The fdloop command line. */
module org.fdloop.cli {
    requires org.fdloop;
    requires info.picocli;

    opens org.fdloop.cli to info.picocli;
}
