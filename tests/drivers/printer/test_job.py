"""ESC/POS bytes against sequences worked out by hand from the command reference."""

from __future__ import annotations

from domain.receipt import Line, Style
from drivers.printer.emulator import Interpreter, PrinterState
from drivers.printer.job import TextMode, build_job, text_line


def test_a_body_line_in_chinese_mode() -> None:
    # FS & (1C 26), 受理 in GB18030 (CA DC C0 ED), "A" (41), FS . (1C 2E), LF (0A)
    assert text_line(Line("受理A"), "gb18030") == bytes.fromhex("1C 26 CA DC C0 ED 41 1C 2E 0A")


def test_the_title_is_centred_and_double_size_for_both_character_sets() -> None:
    # ESC a 1, GS ! 0x11 (double width and height), FS ! 0x0C (Chinese double width+height), text,
    # then GS ! 0, FS ! 0, ESC a 0
    expected = bytes.fromhex("1B 61 01 1D 21 11 1C 21 0C 1C 26 BB D8 D6 B4 1C 2E 0A 1D 21 00 1C 21 00 1B 61 00")
    assert text_line(Line("回执", Style.TITLE), "gb18030") == expected


def test_the_number_is_bold_and_double_height() -> None:
    expected = bytes.fromhex("1B 45 01 1D 21 01 1C 21 08 1C 26 41 31 1C 2E 0A 1D 21 00 1C 21 00 1B 45 00")
    assert text_line(Line("A1", Style.NUMBER), "gb18030") == expected


def test_a_whole_job_init_text_qr_cut() -> None:
    job = build_job([Line("A"), Line("http://x/1", Style.QR)], TextMode.NATIVE, 32)
    qr_data = b"http://x/1"
    expected = (
        bytes.fromhex("1B 40")  # ESC @
        + bytes.fromhex("1C 26 41 1C 2E 0A")
        + bytes.fromhex("1B 61 01")  # centre the QR code
        + bytes.fromhex("1D 28 6B 04 00 31 41 32 00")  # GS ( k: model 2
        + bytes.fromhex("1D 28 6B 03 00 31 43 06")  # module size 6
        + bytes.fromhex("1D 28 6B 03 00 31 45 30")  # error correction L
        + bytes.fromhex("1D 28 6B 0D 00 31 50 30") + qr_data  # store 10 bytes: pL = 10 + 3 = 0x0D
        + bytes.fromhex("1D 28 6B 03 00 31 51 30")  # print the symbol
        + bytes.fromhex("0A 1B 61 00")
        + bytes.fromhex("1B 64 06 1D 56 00")  # feed 6 lines, full cut
    )
    assert job == expected


def test_full_width_forms_survive_where_python_escpos_would_mangle_them() -> None:
    job = build_job([Line("ＡＢＣ１２３〇")], TextMode.NATIVE, 32)
    assert "ＡＢＣ１２３〇".encode("gb18030") in job
    interpreter = Interpreter(PrinterState())
    interpreter.feed(job)
    assert interpreter.texts == ["ＡＢＣ１２３〇"]


def test_characters_the_printer_font_lacks_go_as_a_raster_line() -> None:
    lines = [Line("申请人: 张三"), Line("申请人: 𠀀三")]  # 𠀀 is outside GB2312
    interpreter = Interpreter(PrinterState())
    interpreter.feed(build_job(lines, TextMode.NATIVE, 32, charset="gb2312"))
    assert [i.kind for i in interpreter.items if i.kind != "text" or i.text] == ["text", "image", "cut"]
    assert interpreter.texts == ["申请人: 张三"]
    image = next(i.image for i in interpreter.items if i.kind == "image")
    assert image is not None
    assert image.width == 32 * 12


def test_raster_mode_sends_every_line_as_an_image() -> None:
    interpreter = Interpreter(PrinterState())
    interpreter.feed(build_job([Line("受理回执", Style.TITLE), Line("A")], TextMode.RASTER, 48))
    assert [i.kind for i in interpreter.items if i.kind != "text"] == ["image", "image", "cut"]


def test_without_chinese_mode_a_printer_prints_mojibake_so_the_emulator_does_too() -> None:
    interpreter = Interpreter(PrinterState())
    interpreter.feed("受理".encode("gb18030") + b"\n")
    assert interpreter.texts != ["受理"]


def test_raster_mode_sends_the_qr_code_as_an_image_too() -> None:
    job = build_job([Line("http://x/1", Style.QR)], TextMode.RASTER, 32)
    assert b"\x1d(k" not in job
    interpreter = Interpreter(PrinterState())
    interpreter.feed(job)
    assert [i.kind for i in interpreter.items if i.kind != "text"] == ["image", "cut"]
