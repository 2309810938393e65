package org.umsynth.jobs; final class Placeholder {}
