package org.qpert.loaders.pickle;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the pickle of a {@code torch.save}d state dict without executing anything: a stack machine over the opcodes
 * such a pickle uses (protocols 2 to 5: containers, strings, numbers, memo, {@code REDUCE}, {@code BUILD},
 * {@code BINPERSID}), where a global is looked up in a fixed allow list of names ({@code collections.OrderedDict},
 * the torch storage types, {@code torch._utils._rebuild_tensor_v2} and its parameter variants, {@code torch.Size})
 * and each of those is interpreted here by its meaning, never called. Any other global or opcode is refused with its
 * name and byte position. Every length the pickle declares is checked against the bytes that remain before
 * anything is allocated.
 */
final class StateDictUnpickler {

    /** A storage named by a persistent id: {@code ('storage', torch.XStorage, key, location, numel)}. */
    record Storage(StorageType type, String key, long numel) {
    }

    /** {@code _rebuild_tensor_v2(storage, offset, size, stride, ...)}: a strided view of a storage. */
    record Tensor(Storage storage, long offset, long[] shape, long[] stride) {
    }

    /** A Python tuple (kept apart from lists, which a state dict's pickle does not use as arguments). */
    record Tuple(List<Object> items) {
    }

    private record Global(String module, String name) {
        @Override
        public String toString() {
            return module + "." + name;
        }
    }

    private static final Object MARK = new Object();
    /** Python's None. */
    static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    private static final Set<String> CALLABLES = Set.of("collections.OrderedDict", "torch._utils._rebuild_tensor",
            "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
            "torch._utils._rebuild_parameter_with_state", "torch.Size");

    private final byte[] in;
    private final String where;
    private int pos;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private StateDictUnpickler(byte[] in, String where) {
        this.in = in;
        this.where = where;
    }

    /** The object {@code pickle} holds; {@code where} names it in errors (e.g. "model.bin: archive/data.pkl"). */
    static Object read(byte[] pickle, String where) {
        return new StateDictUnpickler(pickle, where).run();
    }

    private IllegalArgumentException refuse(int at, String why) {
        return new IllegalArgumentException(where + " at byte " + at + ": " + why);
    }

    private Object run() {
        while (true) {
            int at = pos;
            int op = u8(at);
            switch (op) {
                case 0x80 -> { // PROTO
                    int protocol = u8(at);
                    if (protocol > 5) {
                        throw refuse(at, "pickle protocol " + protocol + " is newer than 5");
                    }
                }
                case 0x95 -> take(8, at); // FRAME: its length only groups the opcodes that follow
                case '.' -> { // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) {
                        throw refuse(at, "STOP with " + stack.size() + " objects on the stack");
                    }
                    return stack.get(0);
                }
                case '(' -> marks.add(stack.size());
                case '0' -> pop(at);
                case '1' -> popMark(at);
                case '2' -> push(peek(at));
                case '}' -> push(new LinkedHashMap<>());
                case ']' -> push(new ArrayList<>());
                case ')' -> push(new Tuple(List.of()));
                case 't' -> push(new Tuple(popMark(at)));
                case 0x85 -> push(new Tuple(popN(1, at)));
                case 0x86 -> push(new Tuple(popN(2, at)));
                case 0x87 -> push(new Tuple(popN(3, at)));
                case 'l' -> push(new ArrayList<>(popMark(at)));
                case 'd' -> {
                    Map<Object, Object> dict = new LinkedHashMap<>();
                    putAll(dict, popMark(at), at);
                    push(dict);
                }
                case 'a' -> {
                    Object v = pop(at);
                    list(peek(at), at).add(v);
                }
                case 'e' -> {
                    List<Object> items = popMark(at);
                    list(peek(at), at).addAll(items);
                }
                case 's' -> {
                    Object v = pop(at);
                    Object k = pop(at);
                    putAll(dict(peek(at), at), List.of(k, v), at);
                }
                case 'u' -> {
                    List<Object> items = popMark(at);
                    putAll(dict(peek(at), at), items, at);
                }
                case 'N' -> push(NONE);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'K' -> push((long) u8(at));
                case 'M' -> push(le(take(2, at), 2, false));
                case 'J' -> push(le(take(4, at), 4, true));
                case 0x8a -> { // LONG1
                    int n = u8(at);
                    if (n > 8) {
                        throw refuse(at, "integer of " + n + " bytes (more than 64 bits)");
                    }
                    push(n == 0 ? 0L : le(take(n, at), n, true));
                }
                case 'G' -> push(ByteBuffer.wrap(take(8, at)).getDouble());
                case 'X' -> push(utf8(take(length(4, at), at), at));
                case 0x8c -> push(utf8(take(u8(at), at), at));
                case 0x8d -> push(utf8(take(length(8, at), at), at));
                case 'C' -> push(take(u8(at), at));
                case 'B' -> push(take(length(4, at), at));
                case 0x8e -> push(take(length(8, at), at));
                case 'q' -> memo.put((long) u8(at), peek(at));
                case 'r' -> memo.put(le(take(4, at), 4, false), peek(at));
                case 0x94 -> memo.put((long) memo.size(), peek(at));
                case 'h' -> push(memo(u8(at), at));
                case 'j' -> push(memo(le(take(4, at), 4, false), at));
                case 'c' -> push(global(line(at), line(at), at));
                case 0x93 -> {
                    Object name = pop(at);
                    Object module = pop(at);
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw refuse(at, "STACK_GLOBAL of non-strings");
                    }
                    push(global(m, n, at));
                }
                case 'R' -> {
                    Object args = pop(at);
                    Object callable = pop(at);
                    push(reduce(callable, args, at));
                }
                case 'Q' -> push(persistent(pop(at), at));
                case 'b' -> { // BUILD: only an OrderedDict's attributes (a state dict's _metadata), which we drop
                    pop(at);
                    if (!(peek(at) instanceof Map)) {
                        throw refuse(at, "BUILD on " + describe(peek(at)) + " (only a dict's attributes are read)");
                    }
                }
                default -> throw refuse(at, "opcode " + opcodeName(op) + " is not one a state dict uses; refused");
            }
        }
    }

    private Object global(String module, String name, int at) {
        String full = module + "." + name;
        if (CALLABLES.contains(full) || (module.equals("torch") && StorageType.byClassName(name) != null)) {
            return new Global(module, name);
        }
        throw refuse(at, "refused global " + full + " (only torch's storage and tensor-rebuild globals and "
                + "collections.OrderedDict are read; nothing is executed)");
    }

    private Object reduce(Object callable, Object args, int at) {
        if (!(callable instanceof Global g) || !(args instanceof Tuple t)) {
            throw refuse(at, "REDUCE of " + describe(callable) + " with " + describe(args));
        }
        List<Object> a = t.items();
        switch (g.toString()) {
            case "collections.OrderedDict" -> {
                if (!a.isEmpty()) {
                    throw refuse(at, "collections.OrderedDict with arguments");
                }
                return new LinkedHashMap<>();
            }
            case "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2" -> {
                if (a.size() < 4 || !(a.get(0) instanceof Storage s)) {
                    throw refuse(at, g + " without (storage, offset, size, stride)");
                }
                long offset = integer(a.get(1), "storage offset", at);
                long[] shape = longs(a.get(2), "size", at);
                long[] stride = longs(a.get(3), "stride", at);
                if (shape.length != stride.length) {
                    throw refuse(at, "size " + Arrays.toString(shape) + " and stride " + Arrays.toString(stride)
                            + " differ in length");
                }
                return new Tensor(s, offset, shape, stride);
            }
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                if (a.isEmpty() || !(a.get(0) instanceof Tensor tensor)) {
                    throw refuse(at, g + " without a tensor");
                }
                return tensor;
            }
            case "torch.Size" -> {
                return a.size() == 1 && a.get(0) instanceof Tuple size ? size : refuseValue(at, "torch.Size of "
                        + describe(a));
            }
            default -> throw refuse(at, "REDUCE of " + g + ", which is not a function a state dict calls");
        }
    }

    private Object refuseValue(int at, String why) {
        throw refuse(at, why);
    }

    private Object persistent(Object pid, int at) {
        if (pid instanceof Tuple t && t.items().size() == 5 && "storage".equals(t.items().get(0))
                && t.items().get(1) instanceof Global g && t.items().get(2) instanceof String key) {
            StorageType type = g.module().equals("torch") ? StorageType.byClassName(g.name()) : null;
            if (type == null) {
                throw refuse(at, "persistent id names " + g + ", not a torch storage type");
            }
            long numel = integer(t.items().get(4), "storage size", at);
            if (numel < 0) {
                throw refuse(at, "storage " + key + " of negative size " + numel);
            }
            return new Storage(type, key, numel);
        }
        throw refuse(at, "persistent id " + describe(pid) + " is not ('storage', type, key, location, size)");
    }

    private static String describe(Object o) {
        if (o instanceof Tuple t) {
            return "a tuple of " + t.items().size();
        }
        return o == null ? "nothing" : o instanceof String s ? "'" + s + "'" : o.getClass().getSimpleName();
    }

    private long integer(Object o, String what, int at) {
        if (o instanceof Long l) {
            return l;
        }
        throw refuse(at, what + " is " + describe(o) + ", not an integer");
    }

    private long[] longs(Object o, String what, int at) {
        if (!(o instanceof Tuple t)) {
            throw refuse(at, what + " is " + describe(o) + ", not a tuple");
        }
        long[] out = new long[t.items().size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = integer(t.items().get(i), what, at);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o, int at) {
        if (o instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw refuse(at, "append to " + describe(o) + ", not a list");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o, int at) {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw refuse(at, "set an item of " + describe(o) + ", not a dict");
    }

    private void putAll(Map<Object, Object> dict, List<Object> items, int at) {
        if (items.size() % 2 != 0) {
            throw refuse(at, "odd number of dict items");
        }
        for (int i = 0; i < items.size(); i += 2) {
            Object key = items.get(i);
            if (!(key instanceof String || key instanceof Long || key instanceof Boolean)) {
                throw refuse(at, "dict key " + describe(key) + " (only strings and integers are read)");
            }
            dict.put(key, items.get(i + 1));
        }
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop(int at) {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw refuse(at, "stack underflow");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek(int at) {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw refuse(at, "stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popN(int n, int at) {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) {
            items[i] = pop(at);
        }
        return List.of(items);
    }

    private List<Object> popMark(int at) {
        if (marks.isEmpty()) {
            throw refuse(at, "no MARK to pop to");
        }
        int from = marks.remove(marks.size() - 1);
        List<Object> top = stack.subList(from, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private Object memo(long index, int at) {
        Object o = memo.get(index);
        if (o == null) {
            throw refuse(at, "memo " + index + " was never stored");
        }
        return o;
    }

    private int u8(int at) {
        if (pos >= in.length) {
            throw refuse(at, "the pickle ends early (truncated file?)");
        }
        return in[pos++] & 0xFF;
    }

    /** A declared length, checked against what is left before anything that size is allocated. */
    private int length(int bytes, int at) {
        long n = le(take(bytes, at), bytes, false);
        if (n < 0 || n > in.length - pos) {
            throw refuse(at, "declares " + Long.toUnsignedString(n) + " bytes where " + (in.length - pos)
                    + " remain");
        }
        return (int) n;
    }

    private byte[] take(int n, int at) {
        if (n > in.length - pos) {
            throw refuse(at, "needs " + n + " bytes where " + (in.length - pos) + " remain (truncated file?)");
        }
        byte[] out = Arrays.copyOfRange(in, pos, pos + n);
        pos += n;
        return out;
    }

    private static long le(byte[] b, int n, boolean signed) {
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xFF);
        }
        if (signed && n < 8 && (b[n - 1] & 0x80) != 0) {
            v -= 1L << (8 * n);
        }
        return v;
    }

    private String line(int at) {
        int end = pos;
        while (end < in.length && in[end] != '\n') {
            end++;
        }
        if (end == in.length) {
            throw refuse(at, "GLOBAL name without its newline (truncated file?)");
        }
        String s = new String(in, pos, end - pos, StandardCharsets.US_ASCII);
        pos = end + 1;
        return s;
    }

    private String utf8(byte[] b, int at) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw refuse(at, "string that is not UTF-8");
        }
    }

    private static String opcodeName(int op) {
        String name = switch (op) {
            case 'i' -> "INST";
            case 'o' -> "OBJ";
            case 0x81 -> "NEWOBJ";
            case 0x92 -> "NEWOBJ_EX";
            case 0x82, 0x83, 0x84 -> "EXT";
            case 'P' -> "PERSID";
            case 'I' -> "INT";
            case 'L' -> "LONG";
            case 'S' -> "STRING";
            case 'V' -> "UNICODE";
            case 'F' -> "FLOAT";
            case 'p', 'g' -> "PUT/GET (text)";
            case 0x8b -> "LONG4";
            case 0x8f -> "EMPTY_SET";
            case 0x90 -> "ADDITEMS";
            case 0x91 -> "FROZENSET";
            case 0x96, 0x97, 0x98 -> "BYTEARRAY8/NEXT_BUFFER/READONLY_BUFFER";
            default -> "?";
        };
        return String.format("0x%02x (%s)", op, name);
    }
}
