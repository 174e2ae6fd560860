package org.fdloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoFdLeaks.class)
class JsonTest {

    @Test
    void objectsKeepFieldOrderOnOneLine() {
        assertThat(Json.object().field("path", "/a").field("events", List.of("CREATE", "ISDIR")).field("cookie", 0L)
                .field("scanned", true).field("from", (String) null).toString())
                .isEqualTo("{\"path\":\"/a\",\"events\":[\"CREATE\",\"ISDIR\"],\"cookie\":0,\"scanned\":true,\"from\":null}");
    }

    @Test
    void quotesBackslashesAndControlCharactersAreEscaped() {
        assertThat(Json.quote("a\"b\\c\nd\re\tf\bg\fh\u0000i\u001fj\u007fk"))
                .isEqualTo("\"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\\u0000i\\u001fj\\u007fk\"");
    }

    @Test
    void lineSeparatorsAndLoneSurrogatesAreEscapedButOtherTextIsNot() {
        assertThat(Json.quote("\u2028\u2029")).isEqualTo("\"\\u2028\\u2029\"");
        assertThat(Json.quote("x\ud800y")).isEqualTo("\"x\\ud800y\"");
        assertThat(Json.quote("é \uFFFD 😀")).isEqualTo("\"é \uFFFD 😀\"");
    }

    @Test
    void numbersThatJsonCannotHoldBecomeNull() {
        assertThat(Json.object().field("a", Double.NaN).field("b", 1.5).toString()).isEqualTo("{\"a\":null,\"b\":1.5}");
    }

    @Test
    void printableTextEscapesControlCharactersAndBackslashesOnly() {
        assertThat(Json.printable("plain/é")).isEqualTo("plain/é");
        assertThat(Json.printable("a\nb\\c\u0001\u007f")).isEqualTo("a\\nb\\\\c\\x01\\x7f");
    }
}
