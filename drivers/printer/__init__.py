"""Receipt printers: ESC/POS over python-escpos transports, a PNG preview, and an emulator."""
