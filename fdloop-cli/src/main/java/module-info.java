/** The fdloop command line. */
module org.fdloop.cli {
    requires org.fdloop;
    requires info.picocli;
    requires java.desktop;
    requires org.knowm.xchart;

    opens org.fdloop.cli to info.picocli;
}
