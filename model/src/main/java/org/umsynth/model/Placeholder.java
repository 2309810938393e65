package org.umsynth.model; final class Placeholder {}
