package org.fdloop.internal.linux;

/**
 * The constants of the device interfaces, from the kernel's uapi headers: terminals through
 * {@code termios2} ({@code <asm/termbits.h>}, {@code <asm/ioctls.h>}), serial ports
 * ({@code <linux/serial.h>}), input devices ({@code <linux/input.h>}, {@code <linux/uinput.h>})
 * and GPIO ({@code <linux/gpio.h>}).
 *
 * <p>They live apart from {@link Constants} because the kernel's {@code struct termios} in
 * {@code <asm/termbits.h>} clashes with glibc's in {@code <termios.h>}: {@code StructLayoutTest}
 * compiles these, with {@link DeviceStructs}, against the uapi headers alone, for x86_64 and, with
 * the cross compiler, for aarch64. Each field is named as in C, or carries a {@link C} annotation
 * with the C expression it stands for (an ioctl request with its size argument).
 */
public final class DeviceConstants {
    private DeviceConstants() {}

    // ---- ioctl request encoding (asm-generic/ioctl.h: the same on x86_64 and aarch64) ---------
    private static final int IOC_WRITE = 1;
    private static final int IOC_READ = 2;

    private static int ioc(int direction, int type, int number, int size) {
        return direction << 30 | size << 16 | type << 8 | number;
    }

    /** {@code _IO(type, number)}: no argument. */
    static int io(int type, int number) {
        return ioc(0, type, number, 0);
    }

    /** {@code _IOR(type, number, size)}: the kernel writes {@code size} bytes. */
    static int ior(int type, int number, int size) {
        return ioc(IOC_READ, type, number, size);
    }

    /** {@code _IOW(type, number, size)}: the kernel reads {@code size} bytes. */
    static int iow(int type, int number, int size) {
        return ioc(IOC_WRITE, type, number, size);
    }

    /** {@code _IOWR(type, number, size)}. */
    static int iowr(int type, int number, int size) {
        return ioc(IOC_READ | IOC_WRITE, type, number, size);
    }

    // ---- terminals: termios2 (asm-generic/termbits.h), the kernel's own struct ----------------
    @C("sizeof(((struct termios2 *) 0)->c_cc)")
    public static final int KERNEL_NCCS = 19;
    public static final int TCGETS = 0x5401;
    @C("TCGETS2")
    public static final int TCGETS2 = ior('T', 0x2A, 44);
    @C("TCSETS2")
    public static final int TCSETS2 = iow('T', 0x2B, 44);
    @C("TCSETSW2")
    public static final int TCSETSW2 = iow('T', 0x2C, 44);
    @C("TCSETSF2")
    public static final int TCSETSF2 = iow('T', 0x2D, 44);
    public static final int TCSBRK = 0x5409;
    public static final int TCFLSH = 0x540B;
    public static final int TCIFLUSH = 0;
    public static final int TCOFLUSH = 1;
    public static final int TCIOFLUSH = 2;

    // c_iflag
    public static final int IGNBRK = 0000001;
    public static final int BRKINT = 0000002;
    public static final int IGNPAR = 0000004;
    public static final int PARMRK = 0000010;
    public static final int INPCK = 0000020;
    public static final int ISTRIP = 0000040;
    public static final int INLCR = 0000100;
    public static final int IGNCR = 0000200;
    public static final int ICRNL = 0000400;
    public static final int IXON = 0002000;
    public static final int IXANY = 0004000;
    public static final int IXOFF = 0010000;
    // c_oflag
    public static final int OPOST = 0000001;
    // c_cflag
    public static final int CBAUD = 0010017;
    public static final int BOTHER = 0010000;
    public static final int CSIZE = 0000060;
    public static final int CS5 = 0000000;
    public static final int CS6 = 0000020;
    public static final int CS7 = 0000040;
    public static final int CS8 = 0000060;
    public static final int CSTOPB = 0000100;
    public static final int CREAD = 0000200;
    public static final int PARENB = 0000400;
    public static final int PARODD = 0001000;
    public static final int HUPCL = 0002000;
    public static final int CLOCAL = 0004000;
    public static final int CIBAUD = 002003600000;
    public static final int IBSHIFT = 16;
    public static final int CMSPAR = 010000000000;
    public static final int CRTSCTS = 020000000000;
    // c_lflag
    public static final int ISIG = 0000001;
    public static final int ICANON = 0000002;
    public static final int ECHO = 0000010;
    public static final int ECHONL = 0000100;
    public static final int IEXTEN = 0100000;
    // c_cc
    public static final int VTIME = 5;
    public static final int VMIN = 6;

    // the standard rates: c_cflag & CBAUD
    public static final int B0 = 0000000;
    public static final int B50 = 0000001;
    public static final int B75 = 0000002;
    public static final int B110 = 0000003;
    public static final int B134 = 0000004;
    public static final int B150 = 0000005;
    public static final int B200 = 0000006;
    public static final int B300 = 0000007;
    public static final int B600 = 0000010;
    public static final int B1200 = 0000011;
    public static final int B1800 = 0000012;
    public static final int B2400 = 0000013;
    public static final int B4800 = 0000014;
    public static final int B9600 = 0000015;
    public static final int B19200 = 0000016;
    public static final int B38400 = 0000017;
    public static final int B57600 = 0010001;
    public static final int B115200 = 0010002;
    public static final int B230400 = 0010003;
    public static final int B460800 = 0010004;
    public static final int B500000 = 0010005;
    public static final int B576000 = 0010006;
    public static final int B921600 = 0010007;
    public static final int B1000000 = 0010010;
    public static final int B1152000 = 0010011;
    public static final int B1500000 = 0010012;
    public static final int B2000000 = 0010013;
    public static final int B2500000 = 0010014;
    public static final int B3000000 = 0010015;
    public static final int B3500000 = 0010016;
    public static final int B4000000 = 0010017;

    /** The standard rates in baud, each beside its code (B50 is 50 baud); B0 (hang up) is not a rate. */
    public static final int[][] STANDARD_RATES = {
        {50, B50}, {75, B75}, {110, B110}, {134, B134}, {150, B150}, {200, B200}, {300, B300}, {600, B600},
        {1200, B1200}, {1800, B1800}, {2400, B2400}, {4800, B4800}, {9600, B9600}, {19200, B19200},
        {38400, B38400}, {57600, B57600}, {115200, B115200}, {230400, B230400}, {460800, B460800},
        {500000, B500000}, {576000, B576000}, {921600, B921600}, {1000000, B1000000}, {1152000, B1152000},
        {1500000, B1500000}, {2000000, B2000000}, {2500000, B2500000}, {3000000, B3000000},
        {3500000, B3500000}, {4000000, B4000000},
    };

    // ---- modem lines (asm-generic/termios.h, asm-generic/ioctls.h) -----------------------------
    public static final int TIOCMGET = 0x5415;
    public static final int TIOCMBIS = 0x5416;
    public static final int TIOCMBIC = 0x5417;
    public static final int TIOCMSET = 0x5418;
    public static final int TIOCM_LE = 0x001;
    public static final int TIOCM_DTR = 0x002;
    public static final int TIOCM_RTS = 0x004;
    public static final int TIOCM_CTS = 0x020;
    public static final int TIOCM_CAR = 0x040;
    public static final int TIOCM_RNG = 0x080;
    public static final int TIOCM_DSR = 0x100;

    // ---- RS-485 (linux/serial.h) ---------------------------------------------------------------
    public static final int TIOCGRS485 = 0x542E;
    public static final int TIOCSRS485 = 0x542F;
    public static final int SER_RS485_ENABLED = 1;
    public static final int SER_RS485_RTS_ON_SEND = 1 << 1;
    public static final int SER_RS485_RTS_AFTER_SEND = 1 << 2;
    public static final int SER_RS485_RX_DURING_TX = 1 << 4;

    // ---- input devices (linux/input.h, linux/input-event-codes.h) ------------------------------
    public static final int EV_SYN = 0x00;
    public static final int EV_KEY = 0x01;
    public static final int EV_REL = 0x02;
    public static final int EV_ABS = 0x03;
    public static final int EV_MSC = 0x04;
    public static final int EV_SW = 0x05;
    public static final int EV_LED = 0x11;
    public static final int EV_SND = 0x12;
    public static final int EV_REP = 0x14;
    public static final int EV_FF = 0x15;
    public static final int EV_PWR = 0x16;
    public static final int EV_FF_STATUS = 0x17;
    public static final int EV_MAX = 0x1f;
    public static final int KEY_MAX = 0x2ff;
    public static final int SYN_REPORT = 0;
    public static final int SYN_DROPPED = 3;
    public static final int KEY_A = 30;
    public static final int KEY_B = 48;
    public static final int KEY_ENTER = 28;
    @C("EVIOCGVERSION")
    public static final int EVIOCGVERSION = ior('E', 0x01, 4);
    @C("EVIOCGID")
    public static final int EVIOCGID = ior('E', 0x02, 8);
    /** {@code EVIOCGNAME(len)}: the device's name, at most {@code len} bytes. */
    public static int eviocgname(int length) {
        return ior('E', 0x06, length);
    }
    @C("EVIOCGNAME(256)")
    public static final int EVIOCGNAME_256 = eviocgname(256);
    /** {@code EVIOCGBIT(type, len)}: the codes of event {@code type} the device has, or its types for 0. */
    public static int eviocgbit(int type, int length) {
        return ior('E', 0x20 + type, length);
    }
    @C("EVIOCGBIT(0, 4)")
    public static final int EVIOCGBIT_0_4 = eviocgbit(0, 4);
    @C("EVIOCGBIT(EV_KEY, 96)")
    public static final int EVIOCGBIT_KEY_96 = eviocgbit(EV_KEY, 96);
    @C("EVIOCGRAB")
    public static final int EVIOCGRAB = iow('E', 0x90, 4);

    // uinput (linux/uinput.h): the tests make a virtual keyboard where /dev/uinput exists
    @C("UI_DEV_CREATE")
    public static final int UI_DEV_CREATE = io('U', 1);
    @C("UI_DEV_DESTROY")
    public static final int UI_DEV_DESTROY = io('U', 2);
    @C("UI_DEV_SETUP")
    public static final int UI_DEV_SETUP = iow('U', 3, 92);
    @C("UI_SET_EVBIT")
    public static final int UI_SET_EVBIT = iow('U', 100, 4);
    @C("UI_SET_KEYBIT")
    public static final int UI_SET_KEYBIT = iow('U', 101, 4);
    public static final int BUS_VIRTUAL = 0x06;

    // ---- GPIO character device, uAPI v2 (linux/gpio.h) ------------------------------------------
    public static final int GPIO_MAX_NAME_SIZE = 32;
    public static final int GPIO_V2_LINES_MAX = 64;
    public static final int GPIO_V2_LINE_NUM_ATTRS_MAX = 10;
    @C("GPIO_GET_CHIPINFO_IOCTL")
    public static final int GPIO_GET_CHIPINFO_IOCTL = ior(0xB4, 0x01, 68);
    @C("GPIO_V2_GET_LINE_IOCTL")
    public static final int GPIO_V2_GET_LINE_IOCTL = iowr(0xB4, 0x07, 592);
    @C("GPIO_V2_LINE_GET_VALUES_IOCTL")
    public static final int GPIO_V2_LINE_GET_VALUES_IOCTL = iowr(0xB4, 0x0E, 16);
    public static final int GPIO_V2_LINE_FLAG_ACTIVE_LOW = 1 << 1;
    public static final int GPIO_V2_LINE_FLAG_INPUT = 1 << 2;
    public static final int GPIO_V2_LINE_FLAG_OUTPUT = 1 << 3;
    public static final int GPIO_V2_LINE_FLAG_EDGE_RISING = 1 << 4;
    public static final int GPIO_V2_LINE_FLAG_EDGE_FALLING = 1 << 5;
    public static final int GPIO_V2_LINE_FLAG_BIAS_PULL_UP = 1 << 8;
    public static final int GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN = 1 << 9;
    public static final int GPIO_V2_LINE_FLAG_BIAS_DISABLED = 1 << 10;
    public static final int GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME = 1 << 11;
    public static final int GPIO_V2_LINE_ATTR_ID_FLAGS = 1;
    public static final int GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES = 2;
    public static final int GPIO_V2_LINE_ATTR_ID_DEBOUNCE = 3;
    public static final int GPIO_V2_LINE_EVENT_RISING_EDGE = 1;
    public static final int GPIO_V2_LINE_EVENT_FALLING_EDGE = 2;
    /** Where the union member {@code debounce_period_us} (a u32) is in a line attribute. */
    @C("offsetof(struct gpio_v2_line_attribute, debounce_period_us)")
    public static final int GPIO_V2_LINE_ATTRIBUTE_DEBOUNCE_PERIOD_US = 8;
}
