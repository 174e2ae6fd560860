package org.fdloop.internal.linux;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The C expression a constant in {@link Constants} stands for, where it is not simply the
 * field's own name. The layout test compiles these expressions against the system headers.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface C {
    String value();
}
