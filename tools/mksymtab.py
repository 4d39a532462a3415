#!/usr/bin/env python3
"""Placeholder until the symbol table lands."""
