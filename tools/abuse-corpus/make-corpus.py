#!/usr/bin/env python3
"""Writes the small hostile data files of tools/abuse-corpus/data (committed; run from the
repository root to regenerate). Larger files (gzip bombs near 2 MB, a 400 KB CSV) are made at
run time by tools/abuse-check. Any file dropped into data/ is used too; see tools/abuse-check
for how a file's name picks the data spec it is read through."""
import gzip, os, struct

data = "tools/abuse-corpus/data"
os.makedirs(data, exist_ok=True)

def write(name, content):
    with open(f"{data}/{name}", "wb") as f:
        f.write(content)

def gz(content):
    return gzip.compress(content, compresslevel=9, mtime=0)

def npy(descr, shape_text, payload, major=1, fortran=False):
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, "True" if fortran else "False", shape_text)
    pre = 10 if major == 1 else 12
    while (pre + len(header) + 1) % 64:
        header += " "
    header += "\n"
    length = struct.pack("<H", len(header)) if major == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([major, 0]) + length + header.encode() + payload

image = struct.pack("<784f", *([0.5] * 784))
# NumPy (used both as features, with 4 good labels, and as labels, with 4 good images)
write("shape-wraps-itemsize.npy", npy("<f8", "(2305843009213693953,)", bytes(8)))  # issue 13: heap overflow
write("shape-2-63-bytes.npy", npy("<f4", "(2305843009213693952,)", bytes(8)))      # issue 13: 2^63-byte allocation
write("shape-product-overflow.npy", npy("|u1", "(4294967296, 4294967296, 4)", b""))
write("shape-huge-declared.npy", npy("<f4", "(100000000, 28, 28, 1)", image))
write("shape-zero-items.npy", npy("<f4", "(0, 28, 28, 1)", b""))
write("shape-zero-dimension.npy", npy("<f4", "(4, 0, 28)", b""))
write("rank-65.npy", npy("|u1", "(" + "1, " * 65 + ")", b"\0"))
write("header-length-huge.npy", b"\x93NUMPY\x02\x00\xff\xff\xff\x7f" + b" " * 100)
write("header-unterminated.npy", b"\x93NUMPY\x01\x00\x40\x00{'descr': '<f4', 'shape': (4," + b"9" * 40)
write("header-garbage.npy", npy("<f4", "(4, 28, 28, 1)", image * 4).replace(b"'descr'", b"'d\0scr'"))
write("dtype-unsupported.npy", npy("<c8", "(4, 784)", bytes(8 * 4 * 784)))
write("fortran-order.npy", npy("<f4", "(4, 784)", image * 4, fortran=True))
write("truncated.npy", npy("<f4", "(4, 28, 28, 1)", image * 3))
write("nan-feature.npy", npy("<f4", "(4, 28, 28, 1)", image * 3 + struct.pack("<f", float("nan")) + image[4:]))
write("inf-feature.npy", npy("<f8", "(4, 784)", struct.pack("<3136d", *([1e300] * 3136))))
write("labels-int32-max.npy", npy("<i8", "(4,)", struct.pack("<4q", 0, 1, 2, 2147483647)))
write("labels-int64-huge.npy", npy("<i8", "(4,)", struct.pack("<4q", 0, 1, 2, 2**62)))
write("labels-negative.npy", npy("<i4", "(4,)", struct.pack("<4i", 0, 1, -5, 2)))
write("labels-fraction.npy", npy("<f4", "(4,)", struct.pack("<4f", 0, 1, 2.5, 3)))
write("labels-2d.npy", npy("|u1", "(2, 2)", bytes([0, 1, 2, 3])))

# CSV (784 feature columns, so rows that parse reach the models)
row = lambda label, value="0.5": (",".join([value] * 784) + f",{label}\n").encode()
write("nul-in-field.csv", row(1) + b"1\0abc," + row(0)[6:])                      # issue 13: parsed as 1
write("nul-first-line.csv", b"1\0abc," + row(0)[6:] + row(1))
write("label-int32-max.csv", row(0) + row(2147483647))                           # issue 13: parity SIGSEGV
write("label-too-large.csv", row(0) + row(99999999999))
write("label-negative.csv", row(-1))
write("trailing-garbage.csv", row(1).replace(b"0.5,", b"0.5x,", 1))
write("nan.csv", row(1, "nan"))
write("huge-number.csv", row(1, "1e999"))
write("header-only.csv", (",".join(f"p{i}" for i in range(784)) + ",label\n").encode())
write("empty.csv", b"")
write("blank-lines.csv", b"\n \n\t\n\r\n")
write("one-column.csv", b"1\n2\n")
write("ragged.csv", row(1) + b"0.5,1\n")
write("unbalanced-quotes.csv", b"\"" + row(1))
write("binary.csv", bytes(range(256)) * 8)

# IDX (used both as images, with 4 good labels, and as labels, with 4 good images)
header3 = lambda n, r, c: bytes([0, 0, 8, 3]) + struct.pack(">3I", n, r, c)
write("dims-overflow-idx3-ubyte", bytes([0, 0, 8, 3]) + b"\xff" * 12)
write("rank-255-idx", bytes([0, 0, 8, 255]) + b"\x00\x00\x00\x02" * 255)
write("magic-bad-idx3-ubyte", bytes([0x12, 0, 8, 3]) + struct.pack(">3I", 4, 28, 28) + bytes(4 * 784))
write("float-elements-idx3-ubyte", bytes([0, 0, 0x0D, 3]) + struct.pack(">3I", 4, 28, 28) + bytes(16 * 784))
write("truncated-idx3-ubyte", header3(4, 28, 28) + bytes(100))
write("declares-huge-idx3-ubyte", header3(0xFFFFFFFF, 28, 28) + bytes(784))
write("zero-images-idx3-ubyte", header3(0, 28, 28))
write("zero-rows-idx3-ubyte", header3(4, 0, 28))
write("declares-huge-idx1-ubyte.gz", gz(bytes([0, 0, 8, 1, 0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3])))
write("bomb-after-header-idx3-ubyte.gz", gz(header3(4, 28, 28) + bytes(64 << 20)))  # declares 3,152 bytes
write("label-large-idx1-ubyte", bytes([0, 0, 8, 1, 0, 0, 0, 4, 0, 1, 255, 3]))

# gzip damage (read through csv: and idx:)
good = gz(row(1) * 4)
write("gzip-reserved-block.csv.gz", good[:10] + bytes([0x07]) + good[11:])
bad_crc = bytearray(good); bad_crc[-8] ^= 0xFF
write("gzip-crc.csv.gz", bytes(bad_crc))
write("gzip-truncated.csv.gz", good[: len(good) // 2])
write("gzip-trailing-garbage.csv.gz", good + b"garbage")
write("gzip-isize-lies.csv.gz", good[:-4] + struct.pack("<I", 0xFFFFFFFF))
write("gzip-header-only.csv.gz", good[:10])
write("gzip-flags-extra-huge.csv.gz", bytes([0x1F, 0x8B, 8, 0x04, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF]) + b"x" * 10)
