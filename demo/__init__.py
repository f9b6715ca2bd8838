"""Demos and simulators above every product: console walk, kiosk demo panel, fleet demo and simulator, dev stack."""
