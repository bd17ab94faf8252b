#!/usr/bin/python3
"""Independent decoding of a SAIP profile package for test_saip.

Walks the BER-TLV tree with its own small parser (no airwrite code) and
prints the personalisation fields as key=value lines:
  elements=<n> iccid=<header ICCID> ef_iccid=<EF.ICCID> imsi=<EF.IMSI>
  algorithm=<id> ki=<hex> opc=<hex> msisdn=<number or empty>
Tags are those of PE_Definitions 3.3.1 (AUTOMATIC TAGS): header A0, mf B0
(ef-iccid [4]), usim B3 (ef-imsi [3]), opt-usim B4 (ef-msisdn [7]),
akaParameter A4 (algoConfiguration [1] / algoParameter [1]).
Usage: saip_crosscheck.py FILE
"""
import sys


def parse_tlvs(data):
    """List of (tag, value bytes) for the TLVs filling data."""
    out = []
    i = 0
    while i < len(data):
        tag = data[i]
        i += 1
        if tag & 0x1F == 0x1F:
            while True:
                tag = (tag << 8) | data[i]
                i += 1
                if not data[i - 1] & 0x80:
                    break
        length = data[i]
        i += 1
        if length & 0x80:
            count = length & 0x7F
            length = int.from_bytes(data[i:i + count], 'big')
            i += count
        if i + length > len(data):
            raise ValueError('truncated')
        out.append((tag, data[i:i + length]))
        i += length
    return out


def child(value, tag):
    for t, v in parse_tlvs(value):
        if t == tag:
            return v
    return None


def file_content(file_value):
    """Linear EF content: fillFileOffset [2] skips (0xFF), fillFileContent [3] writes."""
    content = bytearray()
    for t, v in parse_tlvs(file_value):
        if t == 0x82:
            content += b'\xff' * int.from_bytes(v, 'big')
        elif t == 0x83:
            content += v
    return bytes(content)


def bcd(data, swapped):
    digits = ''
    for b in data:
        pair = (b & 0x0F, b >> 4) if swapped else (b >> 4, b & 0x0F)
        for nibble in pair:
            if nibble == 0xF:
                return digits
            digits += str(nibble)
    return digits


def main():
    data = open(sys.argv[1], 'rb').read()
    elements = parse_tlvs(data)
    fields = {'elements': str(len(elements)), 'msisdn': ''}
    aka_done = False
    for tag, value in elements:
        if tag == 0xA0:
            fields['iccid'] = bcd(child(value, 0x83), False)
        elif tag == 0xB0:
            fields['ef_iccid'] = bcd(file_content(child(value, 0xA4))[:10], True)
        elif tag == 0xB3:
            ef = file_content(child(value, 0xA3))
            digits = bcd(ef[1:1 + ef[0]], True)[1:]  # drop the type/parity nibble
            fields['imsi'] = digits
        elif tag == 0xB4:
            msisdn_file = child(value, 0xA7)
            if msisdn_file is not None:
                rec_len = None
                fcp = child(msisdn_file, 0xA1)
                if fcp is not None:
                    fd = child(fcp, 0x82)
                    rec_len = int.from_bytes(fd[2:4], 'big')
                rec = file_content(msisdn_file)[:rec_len]
                number = rec[rec_len - 14:] if rec_len and len(rec) == rec_len else b''
                if number and number[0] not in (0x00, 0xFF):
                    prefix = '+' if number[1] & 0x70 == 0x10 else ''
                    fields['msisdn'] = prefix + bcd(number[2:1 + number[0]], True)
        elif tag == 0xA4 and not aka_done:
            algo = child(child(value, 0xA1), 0xA1)
            if algo is not None:
                fields['algorithm'] = str(int.from_bytes(child(algo, 0x80), 'big'))
                fields['ki'] = child(algo, 0x82).hex().upper()
                fields['opc'] = child(algo, 0x83).hex().upper()
                aka_done = True
    for key in ('elements', 'iccid', 'ef_iccid', 'imsi', 'algorithm', 'ki', 'opc', 'msisdn'):
        print('%s=%s' % (key, fields.get(key, '')))


if __name__ == '__main__':
    main()
