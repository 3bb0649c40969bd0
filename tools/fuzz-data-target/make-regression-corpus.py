#!/usr/bin/env python3
"""Writes the hand-made part of the data readers' regression corpus (Tests/MinnowDataTests/Fuzz).

Run once from the repository root; the files are committed. Names say what replaying a file
must give (MinnowDataTests.FuzzCorpusTests): ok-* loads, bad-* fails with a typed error that
names the file, anything else (e.g. crash-* inputs found by tools/fuzz-data) may do either but
must not crash.
"""
import gzip, os, struct

root = "Tests/MinnowDataTests/Fuzz"

def write(format, name, data):
    os.makedirs(f"{root}/{format}", exist_ok=True)
    with open(f"{root}/{format}/{name}", "wb") as f:
        f.write(data)

def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)

def npy(descr, shape_text, data, major=1):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_text)
    pre = 10 if major == 1 else 12
    while (pre + len(header) + 1) % 64:
        header += " "
    header += "\n"
    length = struct.pack("<H", len(header)) if major == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([major, 0]) + length + header.encode() + data

# NumPy
write("npy", "ok-f4-2x3.npy", npy("<f4", "(2, 3)", struct.pack("<6f", 1, 2, 3, -4, 5.5, 6)))
write("npy", "ok-u1-labels.npy", npy("|u1", "(4,)", bytes([3, 1, 4, 1])))
write("npy", "ok-i8-v2.npy", npy("<i8", "(2, 1)", struct.pack("<2q", 7, 0), major=2))
write("npy", "ok-f8-v3.npy", npy("<f8", "(3,)", struct.pack("<3d", 0.5, -2, 1e-3), major=3))
write("npy", "bad-shape-wraps-itemsize.npy", npy("<f8", "(2305843009213693953,)", bytes(8)))  # issue 13 crasher
write("npy", "bad-shape-product-overflow.npy", npy("|u1", "(4294967296, 4294967296)", b""))
write("npy", "bad-shape-2-63-bytes.npy", npy("<f4", "(2305843009213693952,)", bytes(8)))  # 2^63-byte allocation
write("npy", "bad-header-length.npy", b"\x93NUMPY\x02\x00\xff\xff\xff\x7f" + b" " * 64)
write("npy", "bad-nan-feature.npy", npy("<f4", "(2, 2)", struct.pack("<4f", 1, 2, float("nan"), 4)))
write("npy", "bad-inf-feature.npy", npy("<f8", "(1, 2)", struct.pack("<2d", 1, 1e300)))
write("npy", "bad-truncated.npy", npy("<f4", "(2, 3)", struct.pack("<5f", 1, 2, 3, 4, 5)))

# CSV
write("csv", "ok-header.csv", b"x,\"label\",y\r\n1.5,2,-3\r\n\r\n0.25,0,1e2\r\n")
write("csv", "ok-no-header.csv", b"0,1,2,3,1\n4,5,6,7,0\n8,9,10,11,3.0\n")
write("csv", "ok-gzip.csv.gz", gz(b"a,b,label\n" + b"0.5,1,1\n" * 100))
write("csv", "bad-nul-in-field.csv", b"0.5,1\n1\x00abc,0\n")  # issue 13: parsed as 1
write("csv", "bad-nul-first-line.csv", b"1\x00abc,0\n2,1\n")
write("csv", "bad-trailing-garbage.csv", b"1,0\n1.5x,1\n")
write("csv", "bad-nan.csv", b"1,0\nnan,1\n")
# issue 13: 100,000 columns on line 1 and 100,000 one-column rows; reserving rows x columns
# up front asked for 40 GB (gzip keeps the committed file small).
write("csv", "bad-wide-reserve.csv.gz", gz(b",".join([b"0"] * 100000) + b"\n" + b"1\n" * 100000))
# 80 MB of zeros in a 78 KB file: more than the default 64 MiB allowance for a small gzip file.
write("csv", "bad-gzip-bomb.csv.gz", gz(bytes(80 << 20)))

# IDX
images = bytes([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3]) + bytes([0, 51, 102, 153, 204, 255, 255, 0, 255, 0, 255, 0])
write("idx", "ok-images-idx3-ubyte", images)
write("idx", "ok-labels-idx1-ubyte", bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 2]))
write("idx", "ok-images-idx3-ubyte.gz", gz(images))
write("idx", "bad-dims-overflow-idx3-ubyte", bytes([0, 0, 8, 3]) + b"\xff" * 12)
write("idx", "bad-declares-huge-idx1-ubyte.gz", gz(bytes([0, 0, 8, 1, 0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3])))
write("idx", "bad-bomb-after-header-idx3-ubyte.gz", gz(bytes([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2]) + bytes(4 << 20)))
write("idx", "bad-magic-idx3-ubyte", bytes([0x12]) + images[1:])
write("idx", "bad-truncated-idx3-ubyte", images[:-2])

# gzip
hello = gz(b"hello, minnow\n")
write("gzip", "ok-hello.gz", hello)
write("gzip", "ok-two-members.gz", hello + gz(b"second member\n"))
write("gzip", "ok-stored.gz", gzip.compress(bytes(range(256)) * 4, compresslevel=0, mtime=0))
write("gzip", "bad-reserved-block-type.gz", hello[:10] + bytes([0x07]) + hello[11:])
bad_crc = bytearray(hello); bad_crc[-8] ^= 0xFF
write("gzip", "bad-crc.gz", bytes(bad_crc))
write("gzip", "bad-truncated.gz", hello[:-5])
write("gzip", "bad-bomb.gz", gz(bytes(80 << 20)))  # issue 13: no output limit (1 MB became 5 GB)
